/**
 * Diagnostics of a trained VAE (notebook 05): how each latent dimension compares to N(0, 1).
 */
export {};
