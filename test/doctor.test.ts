/**
 * `npm run doctor` (src/doctor.ts, src/cli/doctor.ts): each check against stand-ins — a fake
 * nvidia-smi and a fake jupyter on PATH, fake CUDA libraries in a temporary LD_LIBRARY_PATH
 * folder, empty and corrupt data caches — then the real command on this machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { findSharedLibrary } from '../src/backend';
import { formatChecklist, main } from '../src/cli/doctor';
import {
  DOCTOR_CHECKS,
  backendCheck,
  canvasCheck,
  commandRunner,
  cudaLibrariesCheck,
  datasetCheck,
  defaultProbes,
  diskCheck,
  doctorPassed,
  gpuCheck,
  jupyterCheck,
  jupyterLabCheck,
  nativeBlasCheck,
  nodeCheck,
  npmCheck,
  tfjsNodeCheck,
  tslabKernelCheck,
  type CheckResult,
  type DoctorProbes,
} from '../src/doctor';
import { makeSyntheticDataset } from '../src/data/synthetic';
import { tempDir } from './helpers';

const cli = path.join(__dirname, '..', 'src', 'cli', 'doctor.js');

/** A folder holding executable shell scripts `name → body`, to put first on PATH. */
function fakeBin(scripts: Record<string, string>): string {
  const dir = tempDir('vae-doctor-bin-');
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

/** Probes that run commands with `bin` (only) on PATH and the given environment. */
function withPath(bin: string, env: NodeJS.ProcessEnv = {}): Pick<DoctorProbes, 'run' | 'env'> {
  const full = { ...env, PATH: bin };
  return { run: commandRunner(full), env: full };
}

/** A fake nvidia-smi: logs its arguments to $LOG; answers `full` to the compute_cap query, else `fallback`. */
function fakeNvidiaSmi(full: string, fallback = full): { bin: string; log: string } {
  const bin = fakeBin({
    'nvidia-smi': `echo "$*" >> "${'$'}{LOG}"
case "$*" in
  *compute_cap*) ${full} ;;
  *) ${fallback} ;;
esac`,
  });
  return { bin, log: path.join(bin, 'calls.log') };
}

test('Node and npm: required versions, newer Node is a warning, npm read from npm run', async () => {
  assert.equal((await nodeCheck({ nodeVersion: 'v18.19.0' })).status, 'falta');
  assert.equal((await nodeCheck({ nodeVersion: 'v20.20.2' })).status, 'ok');
  const newer = await nodeCheck({ nodeVersion: 'v24.1.0' });
  assert.equal(newer.status, 'aviso');
  assert.match(newer.fix!, /Node\.js 20/);
  const noCommands = withPath(tempDir('vae-doctor-empty-'));
  const viaNpmRun = await npmCheck({ ...noCommands, env: { npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false' } });
  assert.equal(viaNpmRun.status, 'ok');
  assert.match(viaNpmRun.detail, /^11\.19\.1/);
  const oldNpm = await npmCheck({ ...noCommands, env: { npm_config_user_agent: 'npm/10.8.2 node/v20.20.2 linux x64' } });
  assert.equal(oldNpm.status, 'falta');
  assert.match(oldNpm.fix!, /npm install -g npm@11/);
  const fake = fakeBin({ npm: 'echo 9.6.7' });
  assert.equal((await npmCheck(withPath(fake))).status, 'falta', 'without npm run, asks `npm --version`');
  assert.equal((await npmCheck(noCommands)).status, 'falta');
});

test('canvas: loads and draws a PNG, or falta with the system packages to install', async () => {
  const real = defaultProbes();
  const ok = await canvasCheck(real);
  assert.equal(ok.status, 'ok');
  assert.match(ok.detail, /canvas \d+\.\d+/);
  const broken = await canvasCheck({ ...real, loadModule: () => { throw new Error('libcairo.so.2: cannot open shared object file'); } });
  assert.equal(broken.status, 'falta');
  assert.match(broken.detail, /libcairo\.so\.2/);
  assert.match(broken.fix!, /install-system-deps\.sh.*npm rebuild canvas/);
});

test('an sm_90 GPU gets the first-run PTX JIT advice, unless CUDA_CACHE_MAXSIZE is already set', async () => {
  const { bin } = fakeNvidiaSmi('echo "NVIDIA H100 80GB HBM3, 535.104.05, 9.0"');
  const r = await gpuCheck(withPath(bin, { LOG: '/dev/null' }));
  assert.equal(r.status, 'aviso');
  assert.match(r.detail, /NVIDIA H100 80GB HBM3, driver 535\.104\.05, sm_90/);
  assert.match(r.detail, /JIT/);
  assert.match(r.fix!, /export CUDA_CACHE_MAXSIZE=2147483648/);
  const cached = await gpuCheck(withPath(bin, { LOG: '/dev/null', CUDA_CACHE_MAXSIZE: '2147483648' }));
  assert.equal(cached.status, 'ok');
  assert.match(cached.detail, /fica no cache/);
  const disabled = await gpuCheck(withPath(bin, { LOG: '/dev/null', CUDA_CACHE_MAXSIZE: '4294967296', CUDA_CACHE_DISABLE: '1' }));
  assert.equal(disabled.status, 'aviso');
  assert.match(disabled.fix!, /remova CUDA_CACHE_DISABLE/);
  const turing = fakeNvidiaSmi('echo "NVIDIA GeForce RTX 2080, 525.60.11, 7.5"');
  const t = await gpuCheck(withPath(turing.bin, { LOG: '/dev/null' }));
  assert.equal(t.status, 'ok');
  assert.doesNotMatch(t.detail, /JIT/);
});

test('an old driver without the compute_cap field: nvidia-smi asked again without it, driver < 450 is an aviso', async () => {
  const invalid = `echo 'Field "compute_cap" is not a valid field to query.'; exit 2`;
  const old = fakeNvidiaSmi(invalid, 'echo "Tesla K80, 418.87.01"');
  const r = await gpuCheck(withPath(old.bin, { LOG: old.log }));
  assert.equal(r.status, 'aviso');
  assert.match(r.detail, /Tesla K80, driver 418\.87\.01, capacidade de computação não informada/);
  assert.match(r.detail, /driver 418\.87\.01 é antigo/);
  assert.match(r.fix!, /Atualize o driver NVIDIA/);
  const calls = readFileSync(old.log, 'utf8').trim().split('\n');
  assert.deepEqual(calls, ['--query-gpu=name,driver_version,compute_cap --format=csv,noheader', '--query-gpu=name,driver_version --format=csv,noheader']);
  const r470 = fakeNvidiaSmi(invalid, 'echo "Tesla T4, 470.182.03"');
  assert.equal((await gpuCheck(withPath(r470.bin, { LOG: r470.log }))).status, 'ok', 'driver 470 runs CUDA 11.2 even without compute_cap');
});

test('no nvidia-smi, or one that cannot talk to the driver: aviso, never a failure', async () => {
  const none = await gpuCheck(withPath(tempDir('vae-doctor-empty-')));
  assert.equal(none.status, 'aviso');
  assert.match(none.detail, /nvidia-smi não encontrado/);
  const broken = fakeNvidiaSmi(`echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."; exit 9`);
  const r = await gpuCheck(withPath(broken.bin, { LOG: '/dev/null' }));
  assert.equal(r.status, 'aviso');
  assert.match(r.detail, /couldn't communicate with the NVIDIA driver/);
});

test('CUDA libraries: found in a temporary LD_LIBRARY_PATH folder; CUDA 12 only gets the libcudart.so.11.0 explanation', async () => {
  const cuda11 = tempDir('vae-doctor-cuda11-');
  for (const lib of ['libcudart.so.11.0', 'libcublas.so.11', 'libcufft.so.10', 'libcudnn.so.8']) writeFileSync(path.join(cuda11, lib), '');
  const ok = await cudaLibrariesCheck({ findLibrary: (name) => findSharedLibrary(name, { LD_LIBRARY_PATH: `/nonexistent:${cuda11}` }) });
  assert.equal(ok.status, 'ok');
  assert.ok(ok.detail.includes(`libcudnn.so.8 (${cuda11})`), ok.detail);

  const cuda12 = tempDir('vae-doctor-cuda12-');
  writeFileSync(path.join(cuda12, 'libcudart.so.12'), '');
  // Only that folder (not this machine's ldconfig cache), so the answer is the same everywhere.
  const onlyIn = (dir: string) => (name: string) => (existsSync(path.join(dir, name)) ? path.join(dir, name) : null);
  const r = await cudaLibrariesCheck({ findLibrary: onlyIn(cuda12) });
  assert.equal(r.status, 'aviso');
  assert.match(r.detail, /libcudart\.so\.12/);
  assert.match(r.detail, /Could not load dynamic library 'libcudart\.so\.11\.0'/);
  assert.match(r.detail, /8362, 8269/);
  assert.match(r.fix!, /CUDA 11\.2 e o cuDNN 8\.1.*LD_LIBRARY_PATH/);
  const none = await cudaLibrariesCheck({ findLibrary: onlyIn(tempDir('vae-doctor-empty-')) });
  assert.equal(none.status, 'aviso');
  assert.match(none.detail, /não encontradas: libcudart\.so\.11\.0/);
});

test('data cache: complete and verified is ok; missing files are falta with the copy command; a corrupt file says which to delete', async () => {
  const { spec, gz } = makeSyntheticDataset({ train: 6, test: 3 });
  const root = tempDir('vae-doctor-data-');
  const env = { VAE_DATA_DIR: root };
  const cache = path.join(root, spec.name);
  mkdirSync(cache);
  const missing = await datasetCheck(spec, true, { env });
  assert.equal(missing.status, 'falta');
  assert.match(missing.detail, /faltam 4 de 4 arquivos/);
  assert.ok(missing.fix!.includes(`cp /caminho/dos/arquivos/*-ubyte.gz ${cache}${path.sep}`), missing.fix);
  assert.equal((await datasetCheck(spec, false, { env })).status, 'aviso', 'an optional data set is only an aviso');

  for (const [name, bytes] of gz) writeFileSync(path.join(cache, name), bytes);
  const ok = await datasetCheck(spec, true, { env });
  assert.equal(ok.status, 'ok');
  assert.match(ok.detail, /4 arquivos conferidos \(tamanho e sha256\)/);

  const labels = path.join(cache, 'train-labels-idx1-ubyte.gz');
  writeFileSync(labels, gz.get('t10k-labels-idx1-ubyte.gz')!);
  const corrupt = await datasetCheck(spec, true, { env });
  assert.equal(corrupt.status, 'falta');
  assert.ok(corrupt.fix!.includes(`apague ${labels}`), corrupt.fix);
});

test('a fake jupyter without the tslab kernel: falta with scripts/install-kernel.sh', async () => {
  const bin = fakeBin({
    jupyter: `case "$*" in
  "--version") printf 'notebook         : 6.4.12\\njupyterlab       : not installed\\nnbconvert        : 6.5.3\\n' ;;
  "kernelspec list --json") echo '{"kernelspecs": {"python3": {"resource_dir": "/x/python3", "spec": {"argv": ["python3"]}}}}' ;;
  *) exit 1 ;;
esac`,
  });
  const probes = { ...withPath(bin), projectRoot: path.join(__dirname, '..', '..') };
  const r = await tslabKernelCheck(probes);
  assert.equal(r.status, 'falta');
  assert.match(r.detail, /"tslab" não registrado \(registrados: python3\)/);
  assert.match(r.fix!, /scripts\/install-kernel\.sh/);
  const jupyter = await jupyterCheck(probes);
  assert.equal(jupyter.status, 'ok');
  assert.equal(jupyter.detail, 'Notebook 6.4.12');
  const lab = await jupyterLabCheck(probes);
  assert.equal(lab.status, 'aviso');
  assert.match(lab.detail, /PNG/);
});

test('without `jupyter kernelspec` (Debian without jupyter-client) the kernel folders of `jupyter --paths` are read', async () => {
  const data = tempDir('vae-doctor-jupyter-data-');
  mkdirSync(path.join(data, 'kernels', 'tslab'), { recursive: true });
  writeFileSync(path.join(data, 'kernels', 'tslab', 'kernel.json'), JSON.stringify({ argv: ['npx', '--no', 'tslab', 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript' }));
  const bin = fakeBin({
    jupyter: `case "$*" in
  "--paths --json") echo '{"data": ["${data}"]}' ;;
  "--version") printf 'notebook : 6.4.12\\njupyterlab : 4.2.5\\n' ;;
  *) echo "Jupyter command \\\`jupyter-kernelspec\\\` not found." >&2; exit 1 ;;
esac`,
  });
  const project = path.join(__dirname, '..', '..');
  const ok = await tslabKernelCheck({ ...withPath(bin), projectRoot: project });
  assert.equal(ok.status, 'ok', ok.detail);
  assert.ok(ok.detail.includes(path.join(data, 'kernels', 'tslab')), ok.detail);
  const noTslab = await tslabKernelCheck({ ...withPath(bin), projectRoot: tempDir('vae-doctor-project-') });
  assert.equal(noTslab.status, 'falta', 'npx --no tslab needs the project\'s node_modules/.bin/tslab');
  assert.match(noTslab.fix!, /npm ci/);
  assert.equal((await jupyterLabCheck(withPath(bin))).status, 'ok', 'JupyterLab 4.2.5 renders vega-lite v5');
  const noJupyter = await tslabKernelCheck({ ...withPath(tempDir('vae-doctor-empty-')), projectRoot: project });
  assert.equal(noJupyter.status, 'falta');
});

test('optional pieces (libtensorflow, native BLAS) are avisos; disk space and a broken backend can be falta', async () => {
  assert.equal((await tfjsNodeCheck('@tensorflow/tfjs-node-gpu', { resolvePackage: () => null })).status, 'aviso');
  const pkg = tempDir('vae-doctor-tfjs-node-');
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0' }));
  const noBinding = await tfjsNodeCheck('@tensorflow/tfjs-node', { resolvePackage: () => pkg });
  assert.equal(noBinding.status, 'aviso');
  assert.match(noBinding.detail, /sem o binding nativo/);
  mkdirSync(path.join(pkg, 'lib', 'napi-v8'), { recursive: true });
  writeFileSync(path.join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
  const installed = await tfjsNodeCheck('@tensorflow/tfjs-node', { resolvePackage: () => pkg });
  assert.equal(installed.status, 'ok');
  assert.match(installed.detail, /4\.22\.0 com binding nativo/);

  const blas = (active: boolean, reason = 'libopenblas.so.0 não encontrada', cKernels: string | null = active ? 'C + OpenMP' : null) => () => ({
    active,
    library: active ? 'OpenBLAS 0.3.21 (libopenblas.so.0)' : null,
    core: active ? 'SkylakeX' : null,
    threads: 2,
    reason,
    cKernels,
    cKernelsReason: cKernels ? 'convoluções em C (libvaekernels.so)' : 'libvaekernels.so não foi compilada (npm run build; precisa de um compilador C)',
  });
  const missing = await nativeBlasCheck({ findLibrary: () => null, nativeBlas: blas(false), env: {} });
  assert.equal(missing.status, 'aviso');
  assert.match(missing.fix ?? '', /libopenblas0-pthread/);
  const off = await nativeBlasCheck({ findLibrary: () => '/lib/libopenblas.so.0', nativeBlas: blas(false, 'desligado por VAE_NATIVE=0'), env: { VAE_NATIVE: '0' } });
  assert.equal(off.status, 'aviso');
  assert.match(off.detail, /desligado por VAE_NATIVE=0/);
  const on = await nativeBlasCheck({ findLibrary: () => '/lib/libopenblas.so.0', nativeBlas: blas(true), env: {} });
  assert.equal(on.status, 'ok');
  assert.match(on.detail, /OpenBLAS 0\.3\.21 .*SkylakeX, 2 thread.*convoluções em C \+ OpenMP/);
  const noC = await nativeBlasCheck({ findLibrary: () => '/lib/libopenblas.so.0', nativeBlas: blas(true, 'ok', null), env: {} });
  assert.equal(noC.status, 'aviso');
  assert.match(noC.detail, /laços WebAssembly.*não foi compilada/);
  assert.match(noC.fix ?? '', /npm run build/);

  const disk = (free: number) => diskCheck({ projectRoot: '/projeto', freeBytes: async () => free });
  const low = await disk(150e6);
  assert.equal(low.status, 'falta');
  assert.match(low.detail, /150 MB livres/);
  const some = await disk(1.25e9);
  assert.equal(some.status, 'aviso');
  assert.match(some.detail, /1,3 GB livres/);
  assert.equal((await disk(40e9)).status, 'ok');

  const none = await backendCheck({ chooseBackend: async () => { throw new Error('Nenhum backend disponível para "auto"'); } });
  assert.equal(none.status, 'falta');
});

test('the checklist: one line per check, fixes under avisos and faltas, exit code 1 only for a falta', async () => {
  const results: CheckResult[] = [
    { status: 'ok', title: 'A', detail: 'bem' },
    { status: 'aviso', title: 'B', detail: 'opcional ausente', fix: 'instale B' },
  ];
  const text = formatChecklist(results);
  assert.match(text, /^ok {5}A: bem$/m);
  assert.match(text, /^aviso {2}B: opcional ausente\n {7}→ instale B$/m);
  assert.match(text, /1 ok, 1 aviso\(s\), 0 falta\(s\)/);
  assert.ok(doctorPassed(results));
  assert.ok(!doctorPassed([...results, { status: 'falta', title: 'C', detail: 'ausente', fix: 'x' }]));
});

test('a missing data cache: the command prints falta with the fix and exits 1 (child process)', () => {
  const empty = tempDir('vae-doctor-nodata-');
  const r = spawnSync(process.execPath, [cli, '--json'], { env: { ...process.env, VAE_DATA_DIR: empty }, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const results = JSON.parse(r.stdout) as CheckResult[];
  const mnist = results.find((c) => c.title.startsWith('Dados: MNIST'))!;
  assert.equal(mnist.status, 'falta');
  assert.ok(mnist.fix!.includes(path.join(empty, 'mnist')), mnist.fix);
  assert.match(mnist.fix!, /primeira carga/);
});

test('the real run on this machine passes (exit 0) and lists every check (child process)', () => {
  const r = spawnSync(process.execPath, [cli], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /^(ok|aviso|falta)\s/.test(l));
  assert.equal(lines.length, DOCTOR_CHECKS.length, r.stdout);
  for (const title of ['Node.js', 'npm', 'canvas', 'Dados: MNIST', 'Jupyter', 'nbconvert', 'Kernel tslab', 'tslab e zeromq', 'Backend de treino', 'Espaço livre', 'Fashion-MNIST', 'JupyterLab', '@tensorflow/tfjs-node ', '@tensorflow/tfjs-node-gpu', 'CUDA 11.2', 'GPU NVIDIA', 'BLAS nativo', 'Chromium', 'PyTorch']) {
    assert.ok(lines.some((l) => l.includes(title)), `line for ${title}`);
  }
  assert.match(r.stdout, /0 falta\(s\)/);
});

test('main --help prints the usage and exits 0', async () => {
  const logs: string[] = [];
  const original = console.log;
  console.log = (s: string) => logs.push(s);
  try {
    assert.equal(await main(['--help']), 0);
  } finally {
    console.log = original;
  }
  assert.match(logs.join('\n'), /^Uso: npm run doctor/);
});
