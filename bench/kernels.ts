/**
 * Micro benchmark of our training kernels against the stock ones, on the VAE's real layer
 * shapes, plus a full forward + backward + Adam step of the VAE-shaped network.
 *
 *   node dist/bench/kernels.js [--backend wasm|cpu|both] [--batch 32] [--no-kernels] [--no-step]
 *                              [--step-batches 32,128] [--steps N] [--profile [--by-shape]] [--quick]
 *                              [--only NAME] [--reps N] [--best]
 * (--best reports the fastest repetition of each kernel instead of the median: use it when other
 * jobs share the machine.)
 *
 * Everything runs single-threaded (the wasm backend in Node has no threads). Numbers are
 * medians of a few repetitions after a warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { LEAKY_RELU_GRAD, registerTrainingKernels, unregisterTrainingKernels } from '../src/kernels';
import { fuseConvolutionWithLeakyReLU, runFusedIn } from '../src/model/fusion';
import { kerasAdam } from '../src/train/adam';

export type BenchBackend = 'wasm' | 'cpu';

export interface KernelTiming {
  backend: BenchBackend;
  kernel: string;
  /** Which layer(s) of the VAE use this shape, e.g. "conv2 / convT3". */
  layer: string;
  /** Main input shapes, e.g. "x 32x28x28x32, dy 32x14x14x64". */
  shapes: string;
  /** Calls of this kernel with this shape per training step. */
  callsPerStep: number;
  oursMs: number;
  /** Stock kernel time at the same shape, null if there is no stock kernel. */
  stockMs: number | null;
  /** How stockMs was obtained when not directly (e.g. measured at a smaller batch and scaled). */
  stockNote?: string;
}

export interface StepTiming {
  backend: BenchBackend;
  batch: number;
  steps: number;
  /** Median step time. */
  msPerStep: number;
  /** Fastest step (closest to an unloaded machine when others share the cores). */
  bestMsPerStep: number;
  /**
   * Median CPU time (user + system, this process) per step: on a machine shared with other jobs
   * it stays close to the wall time an idle machine would show (the work is single-threaded).
   */
  cpuMsPerStep: number;
  /** From the median. */
  imagesPerSecond: number;
  ourKernels: boolean;
}

export interface ProfileEntry {
  kernel: string;
  calls: number;
  ms: number;
  share: number;
}

/** The VAE's convolutions, each used once in the encoder and (transposed) once in the decoder. */
export const VAE_CONV_LAYERS = [
  { layer: 'conv1 / convT4', x: [28, 28, 1], filter: [3, 3, 1, 32], stride: 1 },
  { layer: 'conv2 / convT3', x: [28, 28, 32], filter: [3, 3, 32, 64], stride: 2 },
  { layer: 'conv3 / convT2', x: [14, 14, 64], filter: [3, 3, 64, 64], stride: 2 },
  { layer: 'conv4 / convT1', x: [7, 7, 64], filter: [3, 3, 64, 64], stride: 1 },
] as const;

/** Activations that go through LeakyRelu (per image), with how many layers have that shape. */
export const VAE_ACTIVATIONS = [
  { layer: 'conv1, convT3', shape: [28, 28, 32], count: 2 },
  { layer: 'conv2, convT2', shape: [14, 14, 64], count: 2 },
  { layer: 'conv3, conv4, convT1', shape: [7, 7, 64], count: 3 },
] as const;

/** Outputs of the Conv2DTranspose layers (per image), which get a broadcast bias Add. */
export const VAE_CONVT_BIAS_ADDS = [
  { layer: 'convT1', shape: [7, 7, 64] },
  { layer: 'convT2', shape: [14, 14, 64] },
  { layer: 'convT3', shape: [28, 28, 32] },
  { layer: 'convT4', shape: [28, 28, 1] },
] as const;

const shapeStr = (s: readonly number[]) => s.join('x');

export async function useBackend(name: BenchBackend, ourKernels: boolean): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`cannot set backend ${name}`);
  await tf.ready();
  if (ourKernels) registerTrainingKernels(name);
  else unregisterTrainingKernels(name);
}

/** Wall times of `f` in ms, sorted (after `warmup` calls). */
export function timesMs(f: () => void, reps = 5, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b);
}

/** Median (or fastest, with `best`) wall time of `f` in ms (after `warmup` calls). */
export function timeMs(f: () => void, reps = 5, warmup = 1, best = false): number {
  const t = timesMs(f, reps, warmup);
  return best ? t[0] : t[Math.floor(t.length / 2)];
}

/** Runs one kernel and frees its output (wasm and cpu kernels compute synchronously). */
function run(kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): void {
  (tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor).dispose();
}

interface KernelCase {
  /** Display name. */
  kernel: string;
  /** Registered kernel name (when it differs from the display name). */
  kernelName?: string;
  layer: string;
  shapes: string;
  callsPerStep: number;
  /** Builds inputs for a given batch and returns the call; disposes nothing. */
  make: (batch: number) => { call: () => void; dispose: () => void };
  /** Batch at which to measure the stock kernel when it is too slow at full batch. */
  slowStockBatch?: (backend: BenchBackend) => number | null;
  /** Returns the stock equivalent when the stock kernel has another name (or null). */
  stock?: (batch: number) => { call: () => void; dispose: () => void } | null;
  /** Only on these backends (default: all). */
  backends?: BenchBackend[];
}

function convCases(batch: number): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const l of VAE_CONV_LAYERS) {
    const xShape = (b: number) => [b, ...l.x] as [number, number, number, number];
    const dyShape = (b: number) => {
      const oh = Math.ceil(l.x[0] / l.stride);
      return [b, oh, oh, l.filter[3]] as [number, number, number, number];
    };
    const attrs = { strides: [l.stride, l.stride], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    cases.push({
      kernel: 'Conv2D',
      layer: l.layer,
      shapes: `x ${shapeStr(xShape(batch))}, w ${shapeStr(l.filter)}`,
      callsPerStep: 2,
      make: (b) => {
        const x = tf.randomNormal(xShape(b));
        const w = tf.randomNormal([...l.filter]);
        return { call: () => run('Conv2D', { x, filter: w }, attrs), dispose: () => tf.dispose([x, w]) };
      },
    });
    cases.push({
      kernel: 'Conv2DBackpropInput',
      layer: l.layer,
      shapes: `dy ${shapeStr(dyShape(batch))} → dx ${shapeStr(xShape(batch))}`,
      callsPerStep: 2,
      make: (b) => {
        const dy = tf.randomNormal(dyShape(b));
        const w = tf.randomNormal([...l.filter]);
        const a = { ...attrs, inputShape: xShape(b) };
        return { call: () => run('Conv2DBackpropInput', { dy, filter: w }, a), dispose: () => tf.dispose([dy, w]) };
      },
    });
    cases.push({
      kernel: 'Conv2DBackpropFilter',
      layer: l.layer,
      shapes: `x ${shapeStr(xShape(batch))}, dy ${shapeStr(dyShape(batch))}`,
      callsPerStep: 2,
      slowStockBatch: (backend) => (backend === 'cpu' ? 2 : null),
      make: (b) => {
        const x = tf.randomNormal(xShape(b));
        const dy = tf.randomNormal(dyShape(b));
        const a = { ...attrs, filterShape: [...l.filter] };
        return { call: () => run('Conv2DBackpropFilter', { x, dy }, a), dispose: () => tf.dispose([x, dy]) };
      },
    });
  }
  for (const a of VAE_ACTIVATIONS) {
    const shape = [batch, ...a.shape];
    cases.push({
      kernel: 'LeakyRelu',
      layer: a.layer,
      shapes: `x ${shapeStr(shape)}`,
      callsPerStep: a.count,
      make: (b) => {
        const x = tf.randomNormal([b, ...a.shape]);
        return { call: () => run('LeakyRelu', { x }, { alpha: 0.3 }), dispose: () => x.dispose() };
      },
    });
    const gradPair = (b: number) => [tf.randomNormal([b, ...a.shape]), tf.randomNormal([b, ...a.shape])];
    cases.push({
      kernel: 'LeakyRelu gradient',
      layer: a.layer,
      shapes: `dy, x ${shapeStr(shape)}`,
      callsPerStep: a.count,
      make: (b) => {
        const [dy, x] = gradPair(b);
        return { call: () => run(LEAKY_RELU_GRAD, { dy, x }, { alpha: 0.3 }), dispose: () => tf.dispose([dy, x]) };
      },
      // The stock gradient is where(x > 0, dy, α·dy): three kernels.
      stock: (b) => {
        const [dy, x] = gradPair(b);
        return {
          call: () => tf.tidy(() => {
            tf.where(tf.greater(x, 0), dy, tf.mul(dy, 0.3));
          }),
          dispose: () => tf.dispose([dy, x]),
        };
      },
    });
    cases.push({
      kernel: 'Sum (bias gradient)',
      kernelName: 'Sum',
      layer: a.layer,
      shapes: `${shapeStr(shape)} → ${a.shape[2]}`,
      callsPerStep: a.count,
      make: (b) => {
        const x = tf.randomNormal([b, ...a.shape]);
        return { call: () => run('Sum', { x }, { axis: [0, 1, 2], keepDims: false }), dispose: () => x.dispose() };
      },
    });
  }
  // Conv2DTranspose layers add their bias with a broadcast Add (Conv2D layers fuse it).
  for (const t of VAE_CONVT_BIAS_ADDS) {
    cases.push({
      kernel: 'Add (bias)',
      kernelName: 'Add',
      layer: t.layer,
      shapes: `${shapeStr([batch, ...t.shape])} + ${t.shape[2]}`,
      callsPerStep: 1,
      backends: ['cpu'],
      make: (b) => {
        const x = tf.randomNormal([b, ...t.shape]);
        const bias = tf.randomNormal([1, 1, 1, t.shape[2]]);
        return { call: () => run('Add', { a: x, b: bias }, {}), dispose: () => tf.dispose([x, bias]) };
      },
    });
  }
  return cases;
}

/**
 * Times each of our kernels and the stock kernel it replaces on the VAE's shapes.
 * `stock: false` skips the stock timings.
 */
export async function benchKernels(opts: {
  backend: BenchBackend;
  batch?: number;
  reps?: number;
  stock?: boolean;
  /** Only kernels whose display name contains this string. */
  only?: string;
  /** Report the fastest repetition instead of the median (for a machine shared with other jobs). */
  best?: boolean;
  log?: (line: string) => void;
}): Promise<KernelTiming[]> {
  const batch = opts.batch ?? 32;
  const reps = opts.reps ?? 7;
  const log = opts.log ?? (() => {});
  const out: KernelTiming[] = [];
  for (const c of convCases(batch)) {
    if (opts.only && !c.kernel.includes(opts.only)) continue;
    if (c.backends && !c.backends.includes(opts.backend)) continue;
    await useBackend(opts.backend, true);
    const ours = c.make(batch);
    const oursMs = timeMs(ours.call, reps, 2, opts.best);
    ours.dispose();
    let stockMs: number | null = null;
    let stockNote: string | undefined;
    if (opts.stock !== false) {
      await useBackend(opts.backend, false);
      const hasStock = c.stock !== undefined || tf.getKernel(c.kernelName ?? c.kernel, opts.backend) !== undefined;
      if (hasStock) {
        const slow = c.slowStockBatch?.(opts.backend) ?? null;
        const b = slow !== null && slow < batch ? slow : batch;
        const s = c.stock ? c.stock(b) : c.make(b);
        if (s) {
          const ms = timeMs(s.call, b === batch ? reps : 1, b === batch ? 2 : 0, opts.best);
          s.dispose();
          stockMs = (ms * batch) / b;
          if (b !== batch) stockNote = `measured once at batch ${b}, ×${batch / b} (linear in batch)`;
        }
      } else {
        stockNote = 'no stock kernel';
      }
      await useBackend(opts.backend, true);
    }
    const t: KernelTiming = { backend: opts.backend, kernel: c.kernel, layer: c.layer, shapes: c.shapes, callsPerStep: c.callsPerStep, oursMs, stockMs, stockNote };
    log(formatKernelTiming(t));
    out.push(t);
  }
  return out;
}

export function formatKernelTiming(t: KernelTiming): string {
  const stock = t.stockMs === null ? '—' : t.stockMs.toFixed(2);
  const speedup = t.stockMs === null ? '' : ` ×${(t.stockMs / t.oursMs).toFixed(1)}`;
  return (
    `${t.backend.padEnd(4)} ${t.kernel.padEnd(22)} ${t.layer.padEnd(22)} ours ${t.oursMs.toFixed(2).padStart(8)} ms  ` +
    `stock ${stock.padStart(9)} ms${speedup}  (${t.shapes}; ${t.callsPerStep}/step)${t.stockNote ? ` [${t.stockNote}]` : ''}`
  );
}

/**
 * The VAE-shaped network as one tf.sequential: the encoder convolutions, a Dense(2) bottleneck
 * (standing in for mu; log_var and the sampling add negligible work), the decoder.
 */
export function buildVaeShapedNet(seed = 1): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 100 + i });
  const m = tf.sequential();
  const enc = [
    [32, 1],
    [64, 2],
    [64, 2],
    [64, 1],
  ];
  enc.forEach(([filters, strides], i) => {
    m.add(tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', kernelInitializer: init(i), ...(i === 0 ? { inputShape: [28, 28, 1] } : {}) }));
    m.add(tf.layers.leakyReLU({ alpha: 0.3 }));
  });
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 2, kernelInitializer: init(10) }));
  m.add(tf.layers.dense({ units: 7 * 7 * 64, kernelInitializer: init(11) }));
  m.add(tf.layers.reshape({ targetShape: [7, 7, 64] }));
  const dec = [
    [64, 1],
    [64, 2],
    [32, 2],
    [1, 1],
  ];
  dec.forEach(([filters, strides], i) => {
    m.add(tf.layers.conv2dTranspose({ filters, kernelSize: 3, strides, padding: 'same', kernelInitializer: init(20 + i) }));
    if (i < dec.length - 1) m.add(tf.layers.leakyReLU({ alpha: 0.3 }));
    else m.add(tf.layers.activation({ activation: 'sigmoid' }));
  });
  // Each convolution and its LeakyReLU run fused where the backend has it, as in the package's models.
  m.layers.forEach((layer, i) => {
    if (m.layers[i + 1]?.getClassName() === 'LeakyReLU') fuseConvolutionWithLeakyReLU(layer, m.layers[i + 1]);
  });
  runFusedIn(m);
  return m;
}

/** One Adam step on `x` with a pixel-wise MSE reconstruction loss; returns the loss. */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor): number {
  const loss = optimizer.minimize(() => tf.losses.meanSquaredError(x, model.apply(x) as tf.Tensor) as tf.Scalar, true);
  const v = loss!.dataSync()[0];
  loss!.dispose();
  return v;
}

function randomImages(batch: number): tf.Tensor4D {
  return tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
}

/** Times full training steps (forward + backward + Adam) of the VAE-shaped network. */
export async function benchTrainingStep(opts: { backend: BenchBackend; batch: number; steps?: number; warmup?: number; ourKernels?: boolean }): Promise<StepTiming> {
  const ourKernels = opts.ourKernels ?? true;
  await useBackend(opts.backend, ourKernels);
  const steps = opts.steps ?? 5;
  const model = buildVaeShapedNet();
  const optimizer = tf.train.adam(1e-3);
  const x = randomImages(opts.batch);
  const cpu: number[] = [];
  const t = timesMs(
    () => {
      const c0 = process.cpuUsage();
      trainStep(model, optimizer, x);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    },
    steps,
    opts.warmup ?? 2,
  );
  const ms = t[Math.floor(t.length / 2)];
  const cpuMs = cpu.slice(-steps).sort((a, b) => a - b)[Math.floor(steps / 2)];
  x.dispose();
  optimizer.dispose();
  model.dispose();
  return { backend: opts.backend, batch: opts.batch, steps, msPerStep: ms, bestMsPerStep: t[0], cpuMsPerStep: cpuMs, imagesPerSecond: (opts.batch * 1000) / ms, ourKernels };
}

/**
 * Wraps every kernel registered for `backend` with a timer (outermost calls only: kernels that
 * our kernels call internally count towards the caller). Returns the table and an `unwrap`.
 */
export function instrumentKernels(backend: BenchBackend, byShape = false): { table: Map<string, { calls: number; ms: number }>; unwrap: () => void } {
  const table = new Map<string, { calls: number; ms: number }>();
  const originals = tf.getKernelsForBackend(backend);
  let depth = 0;
  for (const config of originals) {
    const inner = config.kernelFunc;
    const wrapped: tf.KernelConfig = {
      ...config,
      kernelFunc: (args) => {
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const ms = performance.now() - t0;
          depth--;
          const key = byShape
            ? `${config.kernelName} ${Object.values(args.inputs)
                .map((t) => (t ? shapeStr(t.shape) : '-'))
                .join(' ')}`
            : config.kernelName;
          const e = table.get(key) ?? { calls: 0, ms: 0 };
          e.calls++;
          e.ms += ms;
          table.set(key, e);
        }
      },
    };
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel(wrapped);
  }
  const unwrap = () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backend);
      tf.registerKernel(config);
    }
  };
  return { table, unwrap };
}

/**
 * Where the time of one training step goes, per kernel, largest first. `other` is the step's
 * time outside kernels (autodiff bookkeeping, tidy, optimizer logic in JS).
 */
export async function profileTrainingStep(opts: { backend: BenchBackend; batch: number; ourKernels?: boolean; steps?: number; byShape?: boolean }): Promise<ProfileEntry[]> {
  await useBackend(opts.backend, opts.ourKernels ?? true);
  const model = buildVaeShapedNet();
  const optimizer = kerasAdam(1e-3); // the package's Adam (one kernel per variable where ours are registered)
  const x = randomImages(opts.batch);
  trainStep(model, optimizer, x);
  trainStep(model, optimizer, x);
  const steps = opts.steps ?? 3;
  const { table, unwrap } = instrumentKernels(opts.backend, opts.byShape);
  let total = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      trainStep(model, optimizer, x);
      total += performance.now() - t0;
    }
  } finally {
    unwrap();
  }
  x.dispose();
  optimizer.dispose();
  model.dispose();
  const entries = [...table.entries()].map(([kernel, e]) => ({ kernel, calls: e.calls / steps, ms: e.ms / steps, share: e.ms / total }));
  const inKernels = entries.reduce((a, e) => a + e.ms, 0);
  entries.push({ kernel: '(outside kernels)', calls: 0, ms: total / steps - inKernels, share: 1 - (inKernels * steps) / total });
  return entries.sort((a, b) => b.ms - a.ms);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const has = (f: string) => process.argv.includes(f);
  const quick = has('--quick');
  const which = (arg('--backend') ?? 'both') as BenchBackend | 'both';
  const backends: BenchBackend[] = which === 'both' ? ['wasm', 'cpu'] : [which];
  const batch = Number(arg('--batch') ?? 32);
  const stepBatches = (arg('--step-batches') ?? (quick ? '32' : '32,128')).split(',').map(Number);
  console.log(`tfjs ${tf.version.tfjs}, node ${process.version}, single thread`);
  for (const backend of backends) {
    if (!has('--no-kernels')) {
      const reps = Number(arg('--reps') ?? (quick ? 3 : 7));
      console.log(`\n== ${backend}: kernels at batch ${batch} (${has('--best') ? 'fastest' : 'median'} of ${reps}) ==`);
      await benchKernels({ backend, batch, reps, only: arg('--only'), best: has('--best'), log: console.log });
    }
    if (!has('--no-step')) {
      console.log(`\n== ${backend}: full training step (forward + backward + Adam) ==`);
      for (const b of stepBatches) {
        const steps = Number(arg('--steps') ?? (backend === 'cpu' ? (quick ? 1 : 3) : quick ? 3 : 7));
        const t = await benchTrainingStep({ backend, batch: b, steps, warmup: backend === 'cpu' ? 1 : 2 });
        console.log(
          `${backend} batch ${String(b).padStart(4)}: ${t.msPerStep.toFixed(1)} ms/step, ${t.imagesPerSecond.toFixed(1)} images/s ` +
            `(median of ${t.steps}; best step ${t.bestMsPerStep.toFixed(1)} ms = ${((b * 1000) / t.bestMsPerStep).toFixed(1)} images/s; ` +
            `CPU time ${t.cpuMsPerStep.toFixed(1)} ms/step = ${((b * 1000) / t.cpuMsPerStep).toFixed(1)} images per CPU-second)`,
        );
      }
    }
    if (has('--profile')) {
      const steps = backend === 'cpu' ? 1 : 3;
      console.log(`\n== ${backend}: per-kernel profile of a training step at batch ${batch} (mean of ${steps}) ==`);
      const p = await profileTrainingStep({ backend, batch, steps, byShape: has('--by-shape') });
      for (const e of p.slice(0, has('--by-shape') ? 40 : 25)) {
        console.log(`${e.kernel.padEnd(has('--by-shape') ? 60 : 24)} ${String(e.calls).padStart(4)} calls ${e.ms.toFixed(2).padStart(8)} ms ${(100 * e.share).toFixed(1).padStart(5)}%`);
      }
    }
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
