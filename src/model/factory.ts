/**
 * The one place that turns a model description into a model: `createModel(spec)` builds the class
 * of `spec.kind` and compiles it with the saved settings. params.json, worker threads and the CLI
 * all describe a model with a ModelSpec.
 */
import { Autoencoder } from './autoencoder';
import type { AutoencoderOptions } from './options';
import type { CompileSettings } from './params';
import { VariationalAutoencoder } from './vae';

/** 'vae' (VariationalAutoencoder) or 'ae' (the plain Autoencoder of section 1). */
export type ModelKind = 'vae' | 'ae';

/** Everything needed to rebuild a model (what params.json stores, and what worker threads receive). */
export interface ModelSpec {
  kind: ModelKind;
  /** The constructor options (validated by the model). */
  options: AutoencoderOptions;
  /** What `compile` received, or null for an uncompiled model. */
  compile: CompileSettings | null;
}

/** Either model. */
export type AnyAutoencoder = VariationalAutoencoder | Autoencoder;

/** The class of a kind: ModelOf<'vae'> is VariationalAutoencoder. */
export type ModelOf<K extends ModelKind> = K extends 'vae' ? VariationalAutoencoder : Autoencoder;

/** Builds the model of `spec.kind` and, when `spec.compile` is set, compiles it with those settings. */
export function createModel<K extends ModelKind>(spec: ModelSpec & { kind: K }): ModelOf<K> {
  const c = spec.compile;
  if (spec.kind === 'vae') {
    const vae = new VariationalAutoencoder(spec.options);
    if (c) vae.compile(c.learningRate, c.rLossFactor ?? 1000, { klWeight: c.klWeight });
    return vae as ModelOf<K>;
  }
  const ae = new Autoencoder(spec.options);
  if (c) ae.compile(c.learningRate);
  return ae as ModelOf<K>;
}
