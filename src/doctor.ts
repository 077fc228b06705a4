/**
 * `npm run doctor`: what a teacher preparing a lab needs to know, one check per line, each
 * ok / aviso / falta with the fix. Required pieces (Node, npm, canvas, the MNIST cache, Jupyter +
 * nbconvert + the tslab kernel, a training backend, disk space) report "falta" when missing;
 * optional ones (libtensorflow, CUDA, GPU, the native BLAS, Chromium, PyTorch, Fashion-MNIST,
 * JupyterLab) report "aviso" at worst. The command fails exactly when some check says "falta".
 *
 * Every check takes its probes (command runner, environment, library finder, package resolver...)
 * as a parameter, so the tests drive it with stand-ins: a fake nvidia-smi or jupyter on PATH,
 * fake CUDA libraries in a temporary LD_LIBRARY_PATH folder, an empty data folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fsp, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CUDA_LIBRARIES, engineName, findSharedLibrary, initBackend, type BackendInfo } from './backend';
import { nativeBlasStatus, type NativeBlasStatus } from './kernels';
import { DATASETS, checkDigest, findProjectRoot, locateFile, resolveDataDir } from './data/datasets';
import { decompress } from './data/idx';
import { fileList, type DatasetSpec } from './data/spec';
import { JUPYTER_PYTHON_PROBE, jupyterPythonCandidates } from './jupyter';
import { formatPt } from './text';

/** ok: ready; aviso: works, but something optional is missing or worth knowing; falta: a required piece is missing. */
export type CheckStatus = 'ok' | 'aviso' | 'falta';

/** The answer of one check (Portuguese texts, shown to people). */
export interface CheckResult {
  status: CheckStatus;
  /** What was checked, e.g. "Node.js". Optional pieces say "(opcional)". */
  title: string;
  /** What was found. */
  detail: string;
  /** How to fix it (for aviso and falta). */
  fix?: string;
}

/** What a command printed and how it ended. */
export interface CommandResult {
  /** Exit code; null when the command did not start or was killed (time limit). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command does not exist (ENOENT). */
  notFound: boolean;
}

/** Runs a command (no shell) and never throws. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

/** Everything the checks look at, injectable so tests can use stand-ins. */
export interface DoctorProbes {
  /** Runs external commands (nvidia-smi, jupyter, python3, chromium, npm). */
  run: CommandRunner;
  /** Environment variables (PATH for the runner, LD_LIBRARY_PATH, VAE_DATA_DIR, CUDA_CACHE_MAXSIZE...). */
  env: NodeJS.ProcessEnv;
  /** The project folder (package.json "vae-didatico"): node_modules/ and the free disk are looked at there. */
  projectRoot: string;
  /** Version of the Node.js that runs the project, e.g. "v20.20.2". */
  nodeVersion: string;
  /** Where a shared library is (LD_LIBRARY_PATH, then the ldconfig cache), or null. */
  findLibrary: (name: string) => string | null;
  /** Folder of an installed npm package (seen from the project), or null. */
  resolvePackage: (name: string) => string | null;
  /** Loads an npm package (seen from the project); throws if it cannot be loaded. */
  loadModule: (name: string) => unknown;
  /** Free bytes for unprivileged users on the file system holding `dir`. */
  freeBytes: (dir: string) => Promise<number>;
  /** Chooses the TensorFlow.js backend as training would. */
  chooseBackend: () => Promise<BackendInfo>;
  /** Whether the native BLAS of the wasm backend loads (src/kernels/native). */
  nativeBlas: () => NativeBlasStatus;
}

/** A runner over child_process.execFile: `env` (with its PATH) for the child, a time limit per command. */
export function commandRunner(env: NodeJS.ProcessEnv = process.env, timeoutMs = 20_000): CommandRunner {
  return (command, args) =>
    new Promise((resolve) => {
      execFile(command, [...args], { env, timeout: timeoutMs, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          stdout: stdout ?? '',
          stderr: stderr ?? '',
          notFound: e?.code === 'ENOENT',
        });
      });
    });
}

/** The same answer for the same command within one doctor run (`jupyter --version` feeds two checks). */
function memoized(run: CommandRunner): CommandRunner {
  const cache = new Map<string, Promise<CommandResult>>();
  return (command, args) => {
    const key = JSON.stringify([command, ...args]);
    if (!cache.has(key)) cache.set(key, run(command, args));
    return cache.get(key)!;
  };
}

/** The real machine: this process's environment, the project's node_modules, the real backend. */
export function defaultProbes(env: NodeJS.ProcessEnv = process.env): DoctorProbes {
  const projectRoot = findProjectRoot() ?? process.cwd();
  return {
    run: commandRunner(env),
    env,
    projectRoot,
    nodeVersion: process.version,
    findLibrary: (name) => findSharedLibrary(name, env),
    resolvePackage: (name) => {
      try {
        return path.dirname(require.resolve(`${name}/package.json`, { paths: [projectRoot] }));
      } catch {
        return null;
      }
    },
    loadModule: (name) => require(require.resolve(name, { paths: [projectRoot] })),
    freeBytes: async (dir) => {
      const s = await fsp.statfs(dir);
      return s.bavail * s.bsize;
    },
    chooseBackend: () => initBackend({ quiet: true }),
    nativeBlas: () => nativeBlasStatus(),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** "v20.20.2" or "11.19.1" → [20, 20, 2]; NaN parts for what is not a number. */
export function parseVersion(version: string): number[] {
  return version.trim().replace(/^v/, '').split('.').map((n) => parseInt(n, 10));
}

/** The first non-empty line of a text (error messages, versions), at most 200 characters. */
function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 200);
}

function errorLine(err: unknown): string {
  return firstLine(err instanceof Error ? err.message : String(err));
}

/** Version field of an installed package's package.json, or null. */
function packageVersion(dir: string | null): string | null {
  if (!dir) return null;
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

/** 2.5e9 → "2,5 GB" (pt-BR). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${formatPt(bytes / 1e9, 1)} GB`;
  return `${formatPt(bytes / 1e6, 0)} MB`;
}

// ---------------------------------------------------------------------------------------------
// Node, npm, canvas

/** Node.js the project was tested with; older fails (the code needs ≥ 20), newer is a warning. */
const NODE_REQUIRED = 20;
const NODE_TESTED = 20;
const NPM_REQUIRED = 11;

export async function nodeCheck(p: Pick<DoctorProbes, 'nodeVersion'>): Promise<CheckResult> {
  const title = 'Node.js';
  const [major] = parseVersion(p.nodeVersion);
  if (!(major >= NODE_REQUIRED)) {
    return { status: 'falta', title, detail: `${p.nodeVersion}; o projeto precisa de Node.js ≥ ${NODE_REQUIRED}.`, fix: `Instale o Node.js ${NODE_TESTED} LTS (https://nodejs.org ou o gerenciador de versões que você usa) e rode npm ci de novo.` };
  }
  if (major > NODE_TESTED) {
    return {
      status: 'aviso',
      title,
      detail: `${p.nodeVersion}: versão aceita, mas o projeto foi testado com Node.js ${NODE_TESTED}.`,
      fix: `Se o kernel tslab não iniciar (zeromq) ou o canvas não compilar, use o Node.js ${NODE_TESTED} LTS.`,
    };
  }
  return { status: 'ok', title, detail: `${p.nodeVersion} (precisa de ≥ ${NODE_REQUIRED})` };
}

export async function npmCheck(p: Pick<DoctorProbes, 'run' | 'env'>): Promise<CheckResult> {
  const title = 'npm';
  // Under `npm run doctor`, npm says its version in the user agent ("npm/11.19.1 node/v20.20.2 ...").
  let version = /\bnpm\/(\d[^\s]*)/.exec(p.env.npm_config_user_agent ?? '')?.[1];
  if (!version) {
    const r = await p.run('npm', ['--version']);
    if (r.code === 0) version = r.stdout.trim();
  }
  if (!version) return { status: 'falta', title, detail: 'npm não encontrado.', fix: 'Instale o npm (vem com o Node.js) e rode npm ci.' };
  const [major] = parseVersion(version);
  if (!(major >= NPM_REQUIRED)) {
    return {
      status: 'falta',
      title,
      detail: `${version}; o projeto precisa de npm ≥ ${NPM_REQUIRED} (a lista allowScripts do package.json diz quais pacotes rodam scripts de instalação).`,
      fix: `npm install -g npm@${NPM_REQUIRED} e depois npm ci.`,
    };
  }
  return { status: 'ok', title, detail: `${version} (precisa de ≥ ${NPM_REQUIRED})` };
}

/** The eight bytes every PNG starts with. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export async function canvasCheck(p: Pick<DoctorProbes, 'loadModule' | 'resolvePackage'>): Promise<CheckResult> {
  const title = 'canvas (figuras)';
  const fix = 'sudo scripts/install-system-deps.sh (bibliotecas do cairo e do pango, compiladores) e depois npm rebuild canvas.';
  try {
    const { createCanvas } = p.loadModule('canvas') as typeof import('canvas');
    const canvas = createCanvas(2, 2);
    canvas.getContext('2d').fillRect(0, 0, 1, 1);
    const png = canvas.toBuffer('image/png');
    if (!PNG_SIGNATURE.every((b, i) => png[i] === b)) throw new Error('toBuffer("image/png") não devolveu um PNG');
  } catch (err) {
    return { status: 'falta', title, detail: `não carrega: ${errorLine(err)}`, fix };
  }
  const version = packageVersion(p.resolvePackage('canvas'));
  return { status: 'ok', title, detail: `carrega e desenha um PNG${version ? ` (canvas ${version})` : ''}` };
}

// ---------------------------------------------------------------------------------------------
// Data

/**
 * The four files of a data set, found where the loader looks and verified (decompressed size and
 * sha256). `required` decides between falta and aviso when something is wrong.
 */
export async function datasetCheck(spec: DatasetSpec, required: boolean, p: Pick<DoctorProbes, 'env'>): Promise<CheckResult> {
  const title = `Dados: ${spec.displayName}${required ? '' : ', opcional'}`;
  const bad: CheckStatus = required ? 'falta' : 'aviso';
  const cacheDir = resolveDataDir(spec, {}, p.env);
  const files = fileList(spec);
  const found = await Promise.all(files.map((f) => locateFile(f, [cacheDir, ...spec.systemDirs])));
  const missing = files.filter((_, i) => found[i] === null).map((f) => f.name);
  if (missing.length) {
    const copy = `Copie ${missing.length === files.length ? 'os quatro arquivos' : missing.join(', ')} para ${cacheDir}${path.sep} (por exemplo: mkdir -p ${cacheDir} && cp /caminho/dos/arquivos/*-ubyte.gz ${cacheDir}${path.sep})`;
    const download = spec.mirrors.length ? `ou, com internet, deixe a primeira carga baixá-los (de ${spec.mirrors[0]}).` : '';
    return {
      status: bad,
      title,
      detail: `faltam ${missing.length} de ${files.length} arquivos em ${cacheDir}: ${missing.join(', ')}`,
      fix: [copy + (download ? ` ${download}` : '.'), spec.installHint].filter(Boolean).join(' '),
    };
  }
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const where = found[i]!;
    try {
      const bytes = await decompress(await fsp.readFile(where), where, file.size + 1);
      checkDigest(bytes, file, where);
    } catch (err) {
      return { status: bad, title, detail: errorLine(err), fix: `O arquivo está corrompido ou não é o esperado: apague ${where} e copie-o de novo (ou deixe a primeira carga baixá-lo).` };
    }
  }
  const dirs = [...new Set(found.map((f) => path.dirname(f!)))];
  return { status: 'ok', title, detail: `${files.length} arquivos conferidos (tamanho e sha256) em ${dirs.join(', ')}` };
}

// ---------------------------------------------------------------------------------------------
// Jupyter

/** `jupyter --version` lines ("nbconvert        : 6.5.3", "jupyterlab : not installed") → name → version or null. */
export function parseJupyterVersions(text: string): Map<string, string | null> {
  const versions = new Map<string, string | null>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\w.-]+)\s*:\s*(.+?)\s*$/.exec(line);
    if (m) versions.set(m[1].toLowerCase(), /not installed/i.test(m[2]) ? null : m[2]);
  }
  return versions;
}

const JUPYTER_FIX = 'sudo scripts/install-system-deps.sh (Debian/Ubuntu: jupyter-notebook, jupyter-nbconvert) ou pip install jupyterlab; depois scripts/install-kernel.sh.';

export async function jupyterCheck(p: Pick<DoctorProbes, 'run'>): Promise<CheckResult> {
  const title = 'Jupyter';
  const r = await p.run('jupyter', ['--version']);
  if (r.code !== 0) {
    return { status: 'falta', title, detail: r.notFound ? 'comando jupyter não encontrado no PATH.' : `jupyter --version falhou: ${firstLine(r.stderr || r.stdout)}`, fix: JUPYTER_FIX };
  }
  const v = parseJupyterVersions(r.stdout);
  const fronts = [['notebook', 'Notebook'], ['jupyterlab', 'JupyterLab']].filter(([k]) => v.get(k)).map(([k, name]) => `${name} ${v.get(k)}`);
  if (!fronts.length) {
    return { status: 'falta', title, detail: 'jupyter instalado, mas sem interface (nem Notebook nem JupyterLab).', fix: JUPYTER_FIX };
  }
  return { status: 'ok', title, detail: fronts.join(', ') };
}

/** JupyterLab from this major on renders application/vnd.vegalite.v5+json (the notebooks' charts). */
const JUPYTERLAB_VEGALITE5 = 4;

export async function jupyterLabCheck(p: Pick<DoctorProbes, 'run'>): Promise<CheckResult> {
  const title = 'JupyterLab ≥ 4 (gráficos interativos, opcional)';
  const r = await p.run('jupyter', ['--version']);
  const version = r.code === 0 ? parseJupyterVersions(r.stdout).get('jupyterlab') : null;
  const fix = "pip install 'jupyterlab>=4' (ou abra os notebooks no VS Code).";
  if (!version) return { status: 'aviso', title, detail: 'JupyterLab não instalado: o Notebook clássico e o nbconvert mostram os gráficos como PNG (sem interação).', fix };
  if (!(parseVersion(version)[0] >= JUPYTERLAB_VEGALITE5)) {
    return { status: 'aviso', title, detail: `JupyterLab ${version}: só o 4.0 ou mais novo desenha vega-lite v5; aqui aparecem os PNG.`, fix };
  }
  return { status: 'ok', title, detail: `JupyterLab ${version}: gráficos vega-lite interativos` };
}

export async function nbconvertCheck(p: Pick<DoctorProbes, 'run' | 'env'>): Promise<CheckResult> {
  const title = 'nbconvert (npm run notebooks, testes)';
  const tried: string[] = [];
  for (const python of jupyterPythonCandidates(p.env)) {
    const r = await p.run(python, ['-c', JUPYTER_PYTHON_PROBE]);
    if (r.code === 0) return { status: 'ok', title, detail: `nbconvert ${r.stdout.trim()} em ${python}` };
    tried.push(python);
  }
  return {
    status: 'falta',
    title,
    detail: `nenhum python com nbconvert e nbclient (testados: ${tried.join(', ')}).`,
    fix: 'sudo scripts/install-system-deps.sh (jupyter-nbconvert) ou defina VAE_JUPYTER_PYTHON com o python que tem o Jupyter.',
  };
}

/** One registered kernel as `jupyter kernelspec list --json` describes it. */
interface KernelSpecEntry {
  resource_dir?: string;
  spec?: { argv?: string[]; display_name?: string };
}

/**
 * The kernels the `jupyter` on PATH sees: `jupyter kernelspec list --json` when that subcommand
 * exists, else the kernel.json files under `jupyter --paths --json`'s data folders (Debian ships
 * `jupyter-kernelspec` in a separate package, jupyter-client).
 */
export async function listKernelSpecs(p: Pick<DoctorProbes, 'run'>): Promise<Record<string, KernelSpecEntry> | null> {
  const listed = await p.run('jupyter', ['kernelspec', 'list', '--json']);
  if (listed.code === 0) {
    try {
      return (JSON.parse(listed.stdout) as { kernelspecs: Record<string, KernelSpecEntry> }).kernelspecs;
    } catch {
      // Not JSON: fall through to the kernel folders.
    }
  }
  const paths = await p.run('jupyter', ['--paths', '--json']);
  if (paths.code !== 0) return null;
  let data: string[];
  try {
    data = (JSON.parse(paths.stdout) as { data: string[] }).data;
  } catch {
    return null;
  }
  const specs: Record<string, KernelSpecEntry> = {};
  // Earlier folders win, as in jupyter_client.
  for (const dir of [...data].reverse()) {
    const kernels = path.join(dir, 'kernels');
    let names: string[] = [];
    try {
      names = readdirSync(kernels);
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        specs[name.toLowerCase()] = { resource_dir: path.join(kernels, name), spec: JSON.parse(readFileSync(path.join(kernels, name, 'kernel.json'), 'utf8')) };
      } catch {
        // No readable kernel.json: not a kernel.
      }
    }
  }
  return specs;
}

export async function tslabKernelCheck(p: Pick<DoctorProbes, 'run' | 'projectRoot'>): Promise<CheckResult> {
  const title = 'Kernel tslab (TypeScript) no Jupyter';
  const fix = 'scripts/install-kernel.sh (registra o kernel "TypeScript", que roda o tslab deste projeto).';
  const specs = await listKernelSpecs(p);
  if (!specs) return { status: 'falta', title, detail: 'o Jupyter não listou kernels (jupyter não instalado?).', fix: JUPYTER_FIX };
  const tslab = specs.tslab;
  if (!tslab) return { status: 'falta', title, detail: `kernel "tslab" não registrado (registrados: ${Object.keys(specs).join(', ') || 'nenhum'}).`, fix };
  const argv = tslab.spec?.argv ?? [];
  const local = path.join(p.projectRoot, 'node_modules', '.bin', 'tslab');
  // install-kernel.sh registers `npx --no tslab`: it runs the tslab of the project the notebook is in.
  if (argv[0] === 'npx' && !existsSync(local)) {
    return { status: 'falta', title, detail: `registrado em ${tslab.resource_dir} (npx --no tslab), mas ${local} não existe.`, fix: 'npm ci (instala o tslab do projeto).' };
  }
  return { status: 'ok', title, detail: `registrado em ${tslab.resource_dir}: ${argv.slice(0, 3).join(' ')}` };
}

export async function tslabRuntimeCheck(p: Pick<DoctorProbes, 'loadModule' | 'resolvePackage'>): Promise<CheckResult> {
  const title = 'tslab e zeromq (o kernel)';
  const tslab = packageVersion(p.resolvePackage('tslab'));
  if (!tslab) return { status: 'falta', title, detail: 'tslab não está em node_modules.', fix: 'npm ci.' };
  try {
    p.loadModule('zeromq');
  } catch (err) {
    return {
      status: 'falta',
      title,
      detail: `tslab ${tslab} instalado, mas o zeromq não carrega: ${errorLine(err)}`,
      fix: 'Use o Node.js 20 LTS (o zeromq traz binários prontos para ele) e rode npm ci; compilar o zeromq precisa de cmake e de internet.',
    };
  }
  return { status: 'ok', title, detail: `tslab ${tslab}, zeromq ${packageVersion(p.resolvePackage('zeromq')) ?? '?'} carrega` };
}

// ---------------------------------------------------------------------------------------------
// Backends: the one training will use, libtensorflow, CUDA, the GPU, the native BLAS

export async function backendCheck(p: Pick<DoctorProbes, 'chooseBackend'>): Promise<CheckResult> {
  const title = 'Backend de treino (TensorFlow.js)';
  let b: BackendInfo;
  try {
    b = await p.chooseBackend();
  } catch (err) {
    return { status: 'falta', title, detail: errorLine(err), fix: 'npm ci (reinstala @tensorflow/tfjs e @tensorflow/tfjs-backend-wasm).' };
  }
  const detail = `${engineName(b)} — ${b.device}${b.trainingKernels ? ', kernels de treino próprios' : ''}`;
  if (b.warnings.length) return { status: 'aviso', title, detail: `${detail}. ${b.warnings.join(' ')}`, fix: 'Veja as linhas de CUDA e GPU abaixo.' };
  return { status: 'ok', title, detail };
}

/** Where tfjs-node's install script puts the native addon: lib/napi-v<N>/tfjs_binding.node. */
function tfjsBinding(dir: string): string | null {
  try {
    const napi = readdirSync(path.join(dir, 'lib')).filter((d) => /^napi-v\d+$/.test(d));
    for (const d of napi) if (existsSync(path.join(dir, 'lib', d, 'tfjs_binding.node'))) return path.join(dir, 'lib', d, 'tfjs_binding.node');
  } catch {
    // No lib/ folder: the addon was never built or downloaded.
  }
  return null;
}

const OFFLINE_HINT = 'Para instalar sem internet, veja "Antes de começar" no README (TFJS_NODE_BASE_URI / TFJS_NODE_CDN_STORAGE e o espelho do binário).';

export async function tfjsNodeCheck(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu', p: Pick<DoctorProbes, 'resolvePackage'>): Promise<CheckResult> {
  const title = `${pkg} (libtensorflow, opcional)`;
  const dir = p.resolvePackage(pkg);
  if (!dir) {
    return { status: 'aviso', title, detail: 'não instalado (a instalação baixa a libtensorflow 2.9.1 da internet); o treino usa o backend wasm.', fix: OFFLINE_HINT };
  }
  const binding = tfjsBinding(dir);
  if (!binding) return { status: 'aviso', title, detail: `instalado em ${dir}, mas sem o binding nativo (lib/napi-v*/tfjs_binding.node): o script de instalação falhou?`, fix: OFFLINE_HINT };
  return { status: 'ok', title, detail: `${packageVersion(dir) ?? '?'} com binding nativo (${path.relative(dir, binding)})` };
}

/** CUDA runtimes newer than the 11.x libtensorflow 2.9.1 was built against. */
const NEWER_CUDART = ['libcudart.so.12', 'libcudart.so.13'];

export async function cudaLibrariesCheck(p: Pick<DoctorProbes, 'findLibrary'>): Promise<CheckResult> {
  const title = 'CUDA 11.2 e cuDNN 8.1 (tfjs-node-gpu, opcional)';
  const found = CUDA_LIBRARIES.map((lib) => [lib, p.findLibrary(lib)] as const);
  const missing = found.filter(([, where]) => !where).map(([lib]) => lib);
  if (!missing.length) return { status: 'ok', title, detail: `encontradas: ${found.map(([lib, where]) => `${lib} (${path.dirname(where!)})`).join(', ')}` };
  const newer = NEWER_CUDART.map((lib) => [lib, p.findLibrary(lib)] as const).filter(([, where]) => where);
  const fix =
    'Só para usar a GPU: instale o runtime do CUDA 11.2 e o cuDNN 8.1 (podem ficar numa pasta própria, ao lado de um CUDA mais novo) e ponha essa pasta no LD_LIBRARY_PATH; o driver atual também roda o CUDA 11.';
  if (missing.includes('libcudart.so.11.0') && newer.length) {
    return {
      status: 'aviso',
      title,
      detail:
        `só um CUDA mais novo (${newer.map(([lib, where]) => `${lib} em ${path.dirname(where!)}`).join(', ')}): a libtensorflow 2.9.1 procura libcudart.so.11.0, ` +
        `avisa "Could not load dynamic library 'libcudart.so.11.0'" e roda na CPU (tfjs issues 8362, 8269). Faltam: ${missing.join(', ')}.`,
      fix,
    };
  }
  return { status: 'aviso', title, detail: `não encontradas: ${missing.join(', ')} (sem elas o tfjs-node-gpu roda na CPU).`, fix };
}

/** One GPU as nvidia-smi reports it. */
export interface GpuInfo {
  name: string;
  /** e.g. "535.104.05". */
  driver: string;
  /** e.g. 9.0; null when the driver is too old to report it (no compute_cap field). */
  computeCapability: number | null;
}

/** The oldest driver branch libtensorflow 2.9.1 (CUDA 11.2) runs with, as tfjs-node's README says (> 450.x). */
const MIN_DRIVER = 450;
/** libtensorflow 2.9.1 ships GPU code for compute capability 3.5 and newer. */
const MIN_COMPUTE_CAPABILITY = 3.5;
/**
 * TensorFlow's CUDA 11 release builds carry machine code up to sm_75 and PTX for compute_80; GPUs of
 * compute capability ≥ 8.0 compile that PTX at first use (the JIT), which takes minutes.
 */
const PTX_JIT_FROM = 8.0;
/** The JIT cache size TensorFlow's release notes advise (2 GiB), so the JIT happens only once. */
const ADVISED_CUDA_CACHE = 2147483648;

/** Parses `nvidia-smi --query-gpu=name,driver_version[,compute_cap] --format=csv,noheader`. */
export function parseNvidiaSmi(csv: string): GpuInfo[] {
  return csv
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, driver, cc] = line.split(',').map((s) => s.trim());
      const computeCapability = cc !== undefined && /^\d+(\.\d+)?$/.test(cc) ? Number(cc) : null;
      return { name, driver: driver ?? '', computeCapability };
    });
}

/** nvidia-smi's GPUs: with compute capability, or without it when the driver does not know that field. */
async function queryGpus(p: Pick<DoctorProbes, 'run'>): Promise<{ gpus: GpuInfo[] } | { error: string; notFound: boolean }> {
  const args = (fields: string) => [`--query-gpu=${fields}`, '--format=csv,noheader'];
  let r = await p.run('nvidia-smi', args('name,driver_version,compute_cap'));
  // Drivers before ~510 answer 'Field "compute_cap" is not a valid field to query.' (exit code 2).
  if (r.code !== 0 && !r.notFound && /compute_cap/.test(r.stdout + r.stderr)) r = await p.run('nvidia-smi', args('name,driver_version'));
  if (r.code !== 0) return { error: r.notFound ? 'nvidia-smi não encontrado' : firstLine(r.stdout + '\n' + r.stderr) || `nvidia-smi saiu com ${r.code}`, notFound: r.notFound };
  return { gpus: parseNvidiaSmi(r.stdout) };
}

export async function gpuCheck(p: Pick<DoctorProbes, 'run' | 'env'>): Promise<CheckResult> {
  const title = 'GPU NVIDIA (nvidia-smi, opcional)';
  const q = await queryGpus(p);
  if ('error' in q) {
    return {
      status: 'aviso',
      title,
      detail: q.notFound ? 'nvidia-smi não encontrado: sem GPU NVIDIA ou sem o driver; o treino roda na CPU.' : `nvidia-smi falhou: ${q.error}`,
      fix: 'Só para usar a GPU: instale o driver NVIDIA (> 450) e confira com nvidia-smi.',
    };
  }
  if (!q.gpus.length) return { status: 'aviso', title, detail: 'nvidia-smi não listou nenhuma GPU.', fix: 'Confira o driver NVIDIA com nvidia-smi.' };
  const describe = (g: GpuInfo) => `${g.name}, driver ${g.driver}, ${g.computeCapability === null ? 'capacidade de computação não informada por este driver' : `sm_${Math.round(g.computeCapability * 10)}`}`;
  const detail = q.gpus.map(describe).join('; ');
  const oldDriver = q.gpus.find((g) => !(parseVersion(g.driver)[0] >= MIN_DRIVER));
  if (oldDriver) {
    return { status: 'aviso', title, detail: `${detail}. O driver ${oldDriver.driver} é antigo: a libtensorflow 2.9.1 (CUDA 11.2) precisa de driver > ${MIN_DRIVER}.`, fix: `Atualize o driver NVIDIA (> ${MIN_DRIVER}).` };
  }
  const tooOld = q.gpus.find((g) => g.computeCapability !== null && g.computeCapability < MIN_COMPUTE_CAPABILITY);
  if (tooOld) {
    return { status: 'aviso', title, detail: `${detail}. A ${tooOld.name} tem capacidade de computação abaixo de ${formatPt(MIN_COMPUTE_CAPABILITY, 1)}: a libtensorflow 2.9.1 não roda nela.`, fix: 'Use o backend wasm (o padrão sem tfjs-node-gpu).' };
  }
  const jit = q.gpus.find((g) => g.computeCapability !== null && g.computeCapability >= PTX_JIT_FROM);
  if (jit) {
    const cache = Number(p.env.CUDA_CACHE_MAXSIZE ?? 0);
    const disabled = p.env.CUDA_CACHE_DISABLE === '1';
    const jitText = `A ${jit.name} (sm_${Math.round(jit.computeCapability! * 10)}) é mais nova que o código de máquina da libtensorflow 2.9.1: na primeira execução o driver compila os kernels do PTX (JIT), o que pode levar minutos.`;
    if (!disabled && cache >= ADVISED_CUDA_CACHE) return { status: 'ok', title, detail: `${detail}. ${jitText} CUDA_CACHE_MAXSIZE=${p.env.CUDA_CACHE_MAXSIZE}: o resultado fica no cache.` };
    return {
      status: 'aviso',
      title,
      detail: `${detail}. ${jitText}${disabled ? ' CUDA_CACHE_DISABLE=1 desliga o cache: o JIT se repete a cada execução.' : ' O cache padrão do JIT é pequeno demais e o JIT se repete.'}`,
      fix: `export CUDA_CACHE_MAXSIZE=${ADVISED_CUDA_CACHE}${disabled ? ' e remova CUDA_CACHE_DISABLE' : ''} (por exemplo no ~/.bashrc), para que o JIT aconteça só na primeira vez.`,
    };
  }
  return { status: 'ok', title, detail };
}

/**
 * The native path of the wasm backend: the system BLAS (is it there, which kernels, how many
 * threads) and the C convolutions around it (compiled by `npm run build`).
 */
export async function nativeBlasCheck(p: Pick<DoctorProbes, 'findLibrary' | 'nativeBlas' | 'env'>): Promise<CheckResult> {
  const title = 'BLAS nativo (o caminho rápido do backend wasm, opcional)';
  const s = p.nativeBlas();
  if (s.active) {
    const detail = `${s.library}${s.core ? `, núcleos ${s.core}` : ''}, ${s.threads} thread(s) por chamada`;
    if (s.cKernels) return { status: 'ok', title, detail: `${detail}; convoluções em ${s.cKernels}` };
    return {
      status: 'aviso',
      title,
      detail: `${detail}; convoluções nos laços WebAssembly, mais lentos: ${s.cKernelsReason}.`,
      fix: p.env.VAE_C_KERNELS === '0' ? 'Remova VAE_C_KERNELS=0 para usar as convoluções em C.' : 'npm run build (compila dist/native/libvaekernels.so; precisa de build-essential).',
    };
  }
  if (p.env.VAE_NATIVE === '0') return { status: 'aviso', title, detail: `desligado por VAE_NATIVE=0 (${s.reason}): as convoluções rodam nos kernels wasm, umas 4 vezes mais lentas.`, fix: 'Remova VAE_NATIVE=0 para usar a OpenBLAS.' };
  const where = p.findLibrary('libopenblas.so.0');
  return {
    status: 'aviso',
    title,
    detail: `não usado: ${s.reason}${where ? ` (libopenblas.so.0 está em ${where})` : ''}; as convoluções rodam nos kernels wasm, umas 4 vezes mais lentas.`,
    fix: where ? 'Veja a mensagem acima; VAE_BLAS_LIBRARY aponta outra biblioteca BLAS.' : 'sudo apt-get install libopenblas0-pthread',
  };
}

// ---------------------------------------------------------------------------------------------
// Tools for the tests and the benchmark, disk

export async function chromiumCheck(p: Pick<DoctorProbes, 'run' | 'env'>): Promise<CheckResult> {
  const title = 'Chromium (testes no navegador, opcional)';
  // The same default as test/browser.test.ts.
  const chromium = p.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const r = await p.run(chromium, ['--version']);
  if (r.code !== 0) {
    return { status: 'aviso', title, detail: `${chromium} ${r.notFound ? 'não encontrado' : `não roda: ${firstLine(r.stderr || r.stdout)}`}.`, fix: 'sudo apt-get install chromium (ou defina CHROMIUM_PATH).' };
  }
  return { status: 'ok', title, detail: `${firstLine(r.stdout)} (${chromium})` };
}

export async function torchCheck(p: Pick<DoctorProbes, 'run'>): Promise<CheckResult> {
  const title = 'PyTorch (referência do npm run bench, opcional)';
  // Reads the installed version without importing torch (which takes seconds).
  const r = await p.run('/usr/bin/python3', ['-c', 'import importlib.metadata as m; print(m.version("torch"))']);
  if (r.code !== 0) return { status: 'aviso', title, detail: 'torch não encontrado em /usr/bin/python3: o npm run bench mede só o TensorFlow.js.', fix: 'sudo apt-get install python3-torch libopenblas0-pthread' };
  return { status: 'ok', title, detail: `torch ${r.stdout.trim()} (/usr/bin/python3)` };
}

/** Below these, training runs out of room for checkpoints (aviso) or for anything (falta). */
const DISK_WARN = 2e9;
const DISK_FAIL = 200e6;

export async function diskCheck(p: Pick<DoctorProbes, 'freeBytes' | 'projectRoot'>): Promise<CheckResult> {
  const title = 'Espaço livre em disco';
  let free: number;
  try {
    free = await p.freeBytes(p.projectRoot);
  } catch (err) {
    return { status: 'aviso', title, detail: `não consegui medir: ${errorLine(err)}` };
  }
  const detail = `${formatBytes(free)} livres em ${p.projectRoot}`;
  const fix = 'Libere espaço (treinos antigos em run/, checkpoints por época em run/*/*/weights/).';
  if (free < DISK_FAIL) return { status: 'falta', title, detail: `${detail} (mínimo: ${formatBytes(DISK_FAIL)})`, fix };
  if (free < DISK_WARN) return { status: 'aviso', title, detail: `${detail} (recomendado: ${formatBytes(DISK_WARN)})`, fix };
  return { status: 'ok', title, detail };
}

// ---------------------------------------------------------------------------------------------
// The whole list

/** Every check, in the order the checklist shows them. */
export const DOCTOR_CHECKS: readonly ((p: DoctorProbes) => Promise<CheckResult>)[] = [
  nodeCheck,
  npmCheck,
  canvasCheck,
  (p) => datasetCheck(DATASETS.mnist, true, p),
  jupyterCheck,
  nbconvertCheck,
  tslabKernelCheck,
  tslabRuntimeCheck,
  backendCheck,
  diskCheck,
  (p) => datasetCheck(DATASETS['fashion-mnist'], false, p),
  jupyterLabCheck,
  (p) => tfjsNodeCheck('@tensorflow/tfjs-node', p),
  (p) => tfjsNodeCheck('@tensorflow/tfjs-node-gpu', p),
  cudaLibrariesCheck,
  gpuCheck,
  nativeBlasCheck,
  chromiumCheck,
  torchCheck,
];

/** Runs every check (concurrently; results in list order). A check that throws becomes a falta. */
export async function runDoctor(probes: DoctorProbes = defaultProbes()): Promise<CheckResult[]> {
  const p = { ...probes, run: memoized(probes.run) };
  return Promise.all(
    DOCTOR_CHECKS.map((check, i) =>
      check(p).catch((err): CheckResult => ({ status: 'falta', title: `verificação ${i + 1}`, detail: `erro inesperado: ${errorLine(err)}` })),
    ),
  );
}

/** True when nothing required is missing. */
export function doctorPassed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.status !== 'falta');
}
