/**
 * `npm run bench`: training and inference speed of the VAE on every available backend, through the
 * real training loop (shuffling, metrics, sample images, checkpoints, CSV), next to PyTorch CPU
 * running the same network on the same machine in the same run.
 *
 *   npm run bench [-- --json] [--save FILE] [--quick] [--backends native,wasm,cpu] [--no-torch] [--seconds S]
 *
 * Backends: `native` is wasm with the system BLAS (the default path where OpenBLAS loads), `wasm`
 * the same backend with VAE_NATIVE=0 (our WebAssembly kernels only), `cpu`, `tensorflow`.
 * The ratio column divides by PyTorch's fastest set-up at the same batch (1 or 2 threads, with or
 * without OMP_WAIT_POLICY=PASSIVE, either decoder variant). --save also writes the JSON report
 * to FILE, so one run gives the table and the data.
 *
 * Each backend is measured in its own child process (a process picks its backend once).
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { engineName, EncoderPool, initBackend, loadMnist, MNIST_VAE_OPTIONS, VariationalAutoencoder, type BackendChoice } from '../src';
import { nativeBlasStatus, setNativeBlasThreads } from '../src/kernels';
import { profileTrainingStep, type BenchBackend, type ProfileEntry } from './kernels';

/** What `--backends` accepts: a tfjs backend, or `native` (wasm + the system BLAS). */
export type BenchChoice = 'native' | 'wasm' | 'cpu' | 'tensorflow';

/** Training speed of one set-up through `vae.train`. */
export interface TrainBench {
  backend: string;
  batch: number;
  /** Training threads (data-parallel workers, this one included). */
  threads: number;
  /** Threads of each BLAS call (native only; 1 otherwise). */
  blasThreads: number;
  /** Steady state (second epoch): images / seconds of the batches, per-batch callbacks included. */
  imagesPerSecond: number;
  /** The whole `train()` call: worker start-up, sample images, checkpoints and the CSV included. */
  wallImagesPerSecond: number;
  /** Images per epoch used for the measurement. */
  images: number;
}

export interface InferenceBench {
  backend: string;
  /** Threads of the native path's C kernels inside each call (1 elsewhere). */
  kernelThreads: number;
  /** μ of the 10,000 test digits, batch 1000, one thread. */
  encodeImagesPerSecond: number;
  /** The same through an `EncoderPool` of one thread per core (started beforehand; start-up in poolStartMs). */
  encodePoolImagesPerSecond: number;
  encodePoolThreads: number;
  poolStartMs: number;
  /** A 20 × 20 grid of z decoded at once. */
  decodeGridMs: number;
}

export interface BackendReport {
  /** The `--backends` name measured (native, wasm, cpu, tensorflow). */
  choice: BenchChoice;
  /** The engine as the logs name it, e.g. "wasm + OpenBLAS". */
  backend: string;
  device: string;
  /** One thread's matrix product speed on the first conv layer's im2col shape at batch 32. */
  gemmGflops: number;
  train: TrainBench[];
  inference: InferenceBench;
  profile: ProfileEntry[] | null;
}

export interface TorchReport {
  torch: string;
  /** The same matrix product in PyTorch (OpenBLAS/MKL), one thread. */
  gemm_gflops: number;
  train: { batch: number; threads: number; images_per_second: number; deconv: string; omp_wait_policy: string | null }[];
  encode_images_per_second: number;
  decode_grid_ms: number;
}

/** The GEMM of the 28×28 layer's im2col at batch 32 (6272 × 288 · 288 × 64). */
export const GEMM_SHAPE = { m: 32 * 196, k: 288, n: 64 };

/** GFLOP/s of one matrix product of GEMM_SHAPE on the current backend (median of 15). */
function gemmGflops(): number {
  const { m, k, n } = GEMM_SHAPE;
  const a = tf.randomUniform([m, k]);
  const b = tf.randomUniform([k, n]);
  const times: number[] = [];
  for (let i = 0; i < 18; i++) {
    const t0 = performance.now();
    tf.matMul(a, b).dispose();
    if (i >= 3) times.push(performance.now() - t0);
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return (2 * m * k * n) / (times[Math.floor(times.length / 2)] / 1000) / 1e9;
}

/** Runs one backend's measurements in this process (the child side). */
async function measureBackend(choice: BenchChoice, opts: { quick: boolean }): Promise<BackendReport> {
  const info = await initBackend({ backend: (choice === 'native' ? 'wasm' : choice) as BackendChoice, quiet: true });
  if (choice === 'native' && !info.native?.active) throw new Error(`BLAS nativo indisponível: ${info.native?.reason ?? 'backend sem BLAS'}`);
  const { xTrain, xTest } = await loadMnist({ quiet: true });
  const slow = info.name === 'cpu';
  const cores = availableParallelism();
  // The native path's own default (every core in each call): inference runs with it.
  const defaultBlasThreads = choice === 'native' ? nativeBlasStatus().threads : 1;
  const train: TrainBench[] = [];
  // [training threads, BLAS threads per call]: data-parallel workers with one BLAS thread each,
  // and (native) one training thread whose BLAS calls use every core — the two ways to use the cores.
  const setups: [number, number][] = [[1, 1], ...(cores > 1 && info.name !== 'tensorflow' ? [[cores, 1] as [number, number]] : [])];
  if (choice === 'native' && cores > 1) setups.push([1, cores]);
  for (const batch of [32, 128]) {
    // Enough batches for a few seconds per epoch on each engine.
    const batches = opts.quick || slow ? 8 : choice === 'native' && batch === 32 ? 120 : 40;
    const images = Math.min(60000, batches * batch);
    const x = xTrain.slice([0, 0, 0, 0], [images, -1, -1, -1]);
    for (const [threads, blasThreads] of setups) {
      if (choice === 'native') setNativeBlasThreads(blasThreads);
      const dir = mkdtempSync(path.join(tmpdir(), 'vae-bench-'));
      const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
      vae.compile(0.0005, 1000);
      const start = performance.now();
      const result = await vae.train({ x, batchSize: batch, epochs: 2, runFolder: dir, printEveryNBatches: 100, seed: 1, progress: 'silent', workers: threads, liveChart: false });
      const wall = (performance.now() - start) / 1000;
      train.push({ backend: engineName(info), batch, threads, blasThreads, images, imagesPerSecond: result.history[1].imagesPerSecond, wallImagesPerSecond: (2 * images) / wall });
      vae.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
    if (choice === 'native') setNativeBlasThreads(defaultBlasThreads);
    x.dispose();
  }
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  const n = opts.quick || slow ? 2000 : 10000;
  const xs = xTest.slice([0, 0, 0, 0], [n, -1, -1, -1]);
  tf.dispose(vae.encoderMuLogVar.predict(xs.slice([0, 0, 0, 0], [1000, -1, -1, -1]), { batchSize: 1000 })); // warm-up
  let t0 = performance.now();
  tf.dispose(vae.encoderMuLogVar.predict(xs, { batchSize: 1000 }));
  const encodeImagesPerSecond = n / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  const pool = await EncoderPool.create(vae, { threads: cores });
  const poolStartMs = performance.now() - t0;
  tf.dispose(await pool.encode(xs.slice([0, 0, 0, 0], [1000, -1, -1, -1]))); // warm-up
  t0 = performance.now();
  tf.dispose(await pool.encode(xs));
  const encodePoolImagesPerSecond = n / ((performance.now() - t0) / 1000);
  const encodePoolThreads = pool.threads;
  await pool.dispose();
  const grid = tf.randomNormal([400, 2]);
  tf.dispose(vae.decoder.predict(grid));
  // Median of 5 (as PyTorch's figure).
  const gridTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    tf.dispose(vae.decoder.predict(grid));
    gridTimes.push(performance.now() - t0);
  }
  const decodeGridMs = gridTimes.sort((a, b) => a - b)[2];
  // The profile on one core (its label says so), then back to the default.
  if (choice === 'native') setNativeBlasThreads(1);
  const profile = info.name === 'tensorflow' ? null : await profileTrainingStep({ backend: info.name as BenchBackend, batch: 32, steps: slow ? 1 : 5 });
  if (choice === 'native') setNativeBlasThreads(defaultBlasThreads);
  return { choice, backend: engineName(info), device: info.device, gemmGflops: gemmGflops(), train, inference: { backend: engineName(info), kernelThreads: defaultBlasThreads, encodeImagesPerSecond, encodePoolImagesPerSecond, encodePoolThreads, poolStartMs, decodeGridMs }, profile };
}

/** PyTorch's numbers for both of its decoder variants, one and two threads (null without torch). */
function measureTorch(seconds: number): TorchReport | null {
  const python = '/usr/bin/python3';
  if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) return null;
  const script = path.join(__dirname, '..', '..', 'bench', 'pytorch_vae.py');
  const { m, k, n } = GEMM_SHAPE;
  const gemm = spawnSync(python, ['-c', [
    'import torch, time', 'torch.set_num_threads(1)', `a = torch.rand(${m}, ${k}); b = torch.rand(${k}, ${n})`,
    'for _ in range(5): a @ b', 't = time.perf_counter()', 'for _ in range(50): a @ b',
    `print(2 * ${m} * ${k} * ${n} * 50 / (time.perf_counter() - t) / 1e9)`,
  ].join('\n')], { encoding: 'utf8' });
  const gemmGflops = Number(gemm.stdout.trim());
  let report: TorchReport | null = null;
  for (const deconv of ['native', 'conv']) {
    for (const passive of [false, true]) {
      const args = [script, '--json', '--deconv', deconv, '--seconds', String(seconds), '--threads', '1,2', '--batch-sizes', '32,128', ...(passive ? ['--omp-passive'] : [])];
      const r = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, OMP_WAIT_POLICY: '' } });
      if (r.status !== 0) throw new Error(`pytorch_vae.py falhou: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { torch: string; omp_wait_policy: string | null; train: { batch: number; threads: number; images_per_second: number }[]; encode_images_per_second: number; decode_grid_ms: number };
      const rows = out.train.map((t) => ({ ...t, deconv, omp_wait_policy: out.omp_wait_policy }));
      if (!report) report = { torch: out.torch, gemm_gflops: gemmGflops, train: rows, encode_images_per_second: out.encode_images_per_second, decode_grid_ms: out.decode_grid_ms };
      else {
        report.train.push(...rows);
        report.encode_images_per_second = Math.max(report.encode_images_per_second, out.encode_images_per_second);
        report.decode_grid_ms = Math.min(report.decode_grid_ms, out.decode_grid_ms);
      }
    }
  }
  return report;
}

/** PyTorch's fastest set-up for a batch: 1 or 2 threads, OMP passive or not, either decoder variant. */
function torchBest(torch: TorchReport, batch: number) {
  return torch.train.filter((t) => t.batch === batch).sort((a, b) => b.images_per_second - a.images_per_second)[0];
}

function torchSetup(t: TorchReport['train'][number]): string {
  return `${t.threads} thread${t.threads > 1 ? 's' : ''}, ${t.deconv}${t.omp_wait_policy ? ', OMP passive' : ''}`;
}

function printReport(reports: BackendReport[], torch: TorchReport | null): void {
  const cpu = cpus()[0]?.model ?? 'CPU desconhecida';
  console.log(`\nMáquina: ${cpu}, ${availableParallelism()} núcleos; Node ${process.version}; tfjs ${tf.version.tfjs}; ${new Date().toISOString().slice(0, 10)}`);
  if (torch) {
    for (const batch of [32, 128]) {
      const best = torchBest(torch, batch);
      if (best) console.log(`PyTorch ${torch.torch}, melhor configuração no lote ${batch}: ${best.images_per_second.toFixed(0)} imagens/s (${torchSetup(best)})`);
    }
  }
  console.log('\nTreino (laço real: embaralhamento, métricas, imagens, checkpoints), imagens/s');
  console.log('backend            lote  threads  BLAS   regime   c/ checkpoints   ÷ PyTorch (melhor)');
  for (const r of reports) {
    for (const t of r.train) {
      const peer = torch ? torchBest(torch, t.batch) : undefined;
      const ratio = peer ? (t.imagesPerSecond / peer.images_per_second).toFixed(2) + '×' : '—';
      const blas = r.choice === 'native' ? String(t.blasThreads) : '—';
      console.log(`${r.backend.padEnd(17)} ${String(t.batch).padStart(5)}  ${String(t.threads).padStart(7)}  ${blas.padStart(4)}  ${t.imagesPerSecond.toFixed(0).padStart(7)}  ${t.wallImagesPerSecond.toFixed(0).padStart(15)}   ${ratio.padStart(8)}`);
    }
  }
  if (torch) {
    console.log(`\nPyTorch ${torch.torch} (CPU), mesma rede, mesma máquina, imagens/s:`);
    for (const t of torch.train) console.log(`  lote ${t.batch}, ${t.threads} thread(s), ${t.deconv}${t.omp_wait_policy ? ', OMP_WAIT_POLICY=' + t.omp_wait_policy : ''}: ${t.images_per_second.toFixed(0)}`);
  }
  console.log('\nInferência');
  for (const r of reports) {
    const i = r.inference;
    const inside = i.kernelThreads > 1 ? `, kernels C em ${i.kernelThreads} núcleos` : '';
    console.log(`  ${r.backend}: codificar os dígitos de teste ${i.encodeImagesPerSecond.toFixed(0)} imagens/s (1 thread${inside}), ` +
      `${i.encodePoolImagesPerSecond.toFixed(0)} com EncoderPool (${i.encodePoolThreads} threads; iniciar o pool: ${i.poolStartMs.toFixed(0)} ms); ` +
      `decodificar uma grade 20×20 ${i.decodeGridMs.toFixed(0)} ms`);
  }
  if (torch) console.log(`  PyTorch: codificar ${torch.encode_images_per_second.toFixed(0)} imagens/s; grade 20×20 ${torch.decode_grid_ms.toFixed(0)} ms`);
  const { m, k, n } = GEMM_SHAPE;
  console.log(`\nProduto de matrizes ${m}×${k} · ${k}×${n} (1 thread), GFLOP/s:`);
  for (const r of reports) console.log(`  ${r.backend}: ${r.gemmGflops.toFixed(1)}`);
  if (torch) console.log(`  PyTorch (BLAS do sistema): ${torch.gemm_gflops.toFixed(1)}`);
  for (const r of reports) {
    const best = r.train.filter((t) => t.batch === 32).sort((a, b) => b.wallImagesPerSecond - a.wallImagesPerSecond)[0];
    if (best) console.log(`\n${r.backend}: uma época do MNIST (60.000 imagens, lote 32, ${best.threads} thread(s)) ≈ ${(60000 / best.wallImagesPerSecond).toFixed(0)} s`);
    if (r.profile) {
      console.log(`Perfil de um passo de treino (${r.backend}, lote 32, 1 thread):`);
      for (const e of r.profile.slice(0, 12)) console.log(`  ${e.kernel.padEnd(28)} ${e.ms.toFixed(1).padStart(7)} ms  ${(100 * e.share).toFixed(0).padStart(3)}%${e.calls ? `  (${e.calls} chamadas)` : ''}`);
    }
  }
}

export const BENCH_USAGE = `Uso: npm run bench -- [opções]

Mede treino e inferência do VAE em cada backend disponível e, na mesma execução, a mesma rede em
PyTorch CPU (a referência).

  --backends LISTA  quais medir, separados por vírgula (padrão: tensorflow,native,wasm,cpu)
  --quick           medições curtas (alguns segundos cada; para conferir que tudo roda)
  --no-torch        sem a referência em PyTorch
  --seconds S       segundos por configuração do PyTorch (padrão: 5; 2 com --quick)
  --json            imprime o relatório em JSON em vez da tabela
  --save ARQUIVO    também grava o relatório em JSON em ARQUIVO
  -h, --help        esta ajuda`;

const BENCH_CHOICES: readonly BenchChoice[] = ['tensorflow', 'native', 'wasm', 'cpu'];

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean' },
        save: { type: 'string' },
        quick: { type: 'boolean' },
        backends: { type: 'string' },
        'no-torch': { type: 'boolean' },
        seconds: { type: 'string' },
        child: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`Opção inválida: ${(err as Error).message.split('\n')[0]}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const unknown = (values.backends ?? '').split(',').filter((b) => b && !BENCH_CHOICES.includes(b as BenchChoice));
  if (unknown.length) {
    console.error(`--backends: não conheço ${unknown.join(', ')}; use ${BENCH_CHOICES.join(', ')}.`);
    return 2;
  }
  if (values.seconds !== undefined && !(Number(values.seconds) > 0)) {
    console.error(`--seconds: esperava um número de segundos maior que zero; recebi "${values.seconds}".`);
    return 2;
  }
  if (values.child) {
    const report = await measureBackend(values.child as BenchChoice, { quick: values.quick ?? false });
    process.stdout.write(JSON.stringify(report));
    return 0;
  }
  const wanted = (values.backends ?? BENCH_CHOICES.join(',')).split(',').filter((b) => b);
  const reports: BackendReport[] = [];
  for (const backend of wanted) {
    if (!values.json) process.stderr.write(`medindo ${backend}...\n`);
    // `wasm` is measured without the native BLAS (VAE_NATIVE=0), `native` with it.
    const env = { ...process.env, ...(backend === 'wasm' ? { VAE_NATIVE: '0' } : {}) };
    const r = spawnSync(process.execPath, [__filename, '--child', backend, ...(values.quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 16 << 20, env });
    if (r.status !== 0) {
      if (!values.json) process.stderr.write(`  ${backend} indisponível: ${(r.stderr.trim().split('\n').find((l) => /Erro|Error|disponível/.test(l)) ?? r.stderr.trim().split('\n')[0]).slice(0, 200)}\n`);
      continue;
    }
    reports.push(JSON.parse(r.stdout));
  }
  let torch: TorchReport | null = null;
  if (!values['no-torch']) {
    if (!values.json) process.stderr.write('medindo PyTorch...\n');
    torch = measureTorch(Number(values.seconds ?? (values.quick ? 2 : 5)));
    if (!torch && !values.json) process.stderr.write('  PyTorch indisponível (python3 -c "import torch" falhou): sem comparação.\n');
  }
  const json = JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, tfjs: tf.version.tfjs, backends: reports, torch }, null, 1);
  if (values.save) writeFileSync(values.save, json + '\n');
  if (values.json) console.log(json);
  else printReport(reports, torch);
  return 0;
}

if (require.main === module) {
  main().then((code) => (process.exitCode = code), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
