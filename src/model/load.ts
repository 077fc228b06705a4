/**
 * Rebuilding a saved run: params.json → `createModel` → the latest (or a chosen epoch's) weights.
 * GDL: build the model with the saved parameters, then `load_weights`.
 */
import { DataError, ShapeError } from '../errors';
import { runPaths } from '../io/run-folder';
import { listCheckpoints } from '../train/checkpoint';
import { createModel, type ModelKind, type ModelOf } from './factory';
import { readParams } from './params';

/** Options of `VariationalAutoencoder.load` / `Autoencoder.load`. */
export interface LoadRunOptions {
  /** Load the weights at all (default true); false gives the untrained network of params.json. */
  weights?: boolean;
  /** Load the checkpoint of this epoch (weights/weights-EEE-*) instead of the latest. */
  epoch?: number;
}

/** Reads params.json of `folder`, builds and compiles the model, and loads the latest weights (or those of `epoch`). */
export async function loadRun<K extends ModelKind>(folder: string, kind: K, options: LoadRunOptions = {}): Promise<ModelOf<K>> {
  const params = await readParams(folder, kind);
  const model = createModel({ kind, options: params.options, compile: params.compile });
  const paths = runPaths(folder);
  if (options.epoch !== undefined) {
    const match = (await listCheckpoints(paths.weights)).find((c) => c.info.epoch === options.epoch);
    if (!match) {
      model.dispose();
      throw new DataError(`${folder} não tem um checkpoint completo da época ${options.epoch} (weights/weights-${String(options.epoch).padStart(3, '0')}-*).`, folder);
    }
    await model.loadWeights(match.dir);
  } else if (options.weights !== false) {
    // The latest checkpoint first; if it is unreadable, the most advanced one that loads.
    const candidates = [paths.latest, ...(await listCheckpoints(paths.weights)).map((c) => c.dir)];
    let firstError: unknown = null;
    for (const dir of [...new Set(candidates)]) {
      try {
        await model.loadWeights(dir);
        if (firstError) console.warn(`Aviso: ${(firstError as Error).message} Usei os pesos de ${dir}.`);
        firstError = null;
        break;
      } catch (err) {
        firstError ??= err;
        if (err instanceof ShapeError) break; // params.json and weights disagree: no fallback helps
      }
    }
    if (firstError) {
      model.dispose();
      throw firstError;
    }
  }
  return model;
}
