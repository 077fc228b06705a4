/** Plot helpers (one chart per file); every helper returns a Figure: `await fig.show()`, `await fig.save('x.png')`. Re-exports only. */
export * from './figure';
export * from './show';
export * from './render';
export * from './theme';
export * from './stats';
export * from './inputs';
export * from './latent-scatter';
export * from './p-space-scatter';
export * from './image-grid';
export * from './reconstructions';
export * from './generated-grid';
export * from './interpolation';
export * from './normal-density';
export * from './kl-surface';
export * from './loss-curves';
export * from './histogram-vs-normal';
export * from './gif';
