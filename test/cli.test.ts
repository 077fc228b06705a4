import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { flagName } from '../src/cli/flags';
import { parseTrainArgs, TRAIN_FLAGS, TRAIN_USAGE } from '../src/cli/train';
import { tempDir } from './helpers';

const cli = path.join(__dirname, '..', 'src', 'cli', 'train.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env }, timeout: 600_000 });

test('parseTrainArgs: defaults of the book and clear errors', () => {
  const a = parseTrainArgs([]);
  assert.equal(a.epochs, 200);
  assert.equal(a.batchSize, 32);
  assert.equal(a.lr, 0.0005);
  assert.equal(a.rLossFactor, 1000);
  assert.equal(a.runFolder, undefined, 'no default folder: a new run takes the next free one');
  assert.throws(() => parseTrainArgs(['--epochs', 'dez']), /--epochs dez: esperado um inteiro positivo/);
  assert.throws(() => parseTrainArgs(['--data', 'cifar']), /--data cifar/);
  assert.throws(() => parseTrainArgs(['--resume', '--initial-epoch', '3']), /--resume ou --initial-epoch/);
  assert.throws(() => parseTrainArgs(['--backend', 'gpu']), /--backend gpu: use auto, tensorflow, wasm ou cpu/);
  assert.throws(() => parseTrainArgs(['--nada']), /Opção desconhecida/);
  // Node's own English messages never reach the user.
  assert.throws(() => parseTrainArgs(['--epochs', '-1']), /--epochs -1: esperado um inteiro positivo/);
  assert.throws(() => parseTrainArgs(['--lr', '-1']), /--lr -1: esperado um número positivo/);
  assert.throws(() => parseTrainArgs(['--epochs', '0x10']), /--epochs 0x10: esperado um inteiro positivo/);
  assert.throws(() => parseTrainArgs(['--lr', '0,001']), /use ponto como separador decimal \(0\.001\)/);
  assert.throws(() => parseTrainArgs(['--epochs']), /--epochs precisa de um valor/);
  assert.throws(() => parseTrainArgs(['--run-folder', '']), /--run-folder recebeu um texto vazio/);
  assert.throws(() => parseTrainArgs(['--model', 'ae', '--kl-weight', '0']), /--kl-weight só vale para --model vae/);
});

test('the usage text is generated from the flag table: every flag once, with the same defaults the parser uses', () => {
  const defaults = parseTrainArgs([]);
  for (const [key, spec] of Object.entries(TRAIN_FLAGS)) {
    const name = `--${flagName(key)}`;
    const line = TRAIN_USAGE.split('\n').find((l) => l.trimStart().startsWith(name) || l.includes(`, ${name}`));
    assert.ok(line, `${name} is in the usage`);
    if (typeof spec.default === 'number') assert.match(line!, new RegExp(`padrão: ${String(spec.default).replace('.', '\\.')}\\)`), name);
    assert.equal((defaults as Record<string, unknown>)[key], spec.default, `${name}: the parser's default`);
  }
});

test('the CLI exits 2 with a Portuguese message on bad usage', () => {
  const r = run(['--batch-size', '0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Erro: --batch-size 0/);
  const resume = run(['--resume']);
  assert.equal(resume.status, 2);
  assert.match(resume.stderr, /--resume precisa de --run-folder/);
});

test('the CLI trains 1 epoch on --limit 512 and writes the whole run folder; refuses to overwrite it', () => {
  const dir = path.join(tempDir(), 'run');
  const r = run(['--epochs', '1', '--limit', '512', '--run-folder', dir, '--seed', '1', '--print-every', '8']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /Backend TensorFlow\.js: /);
  assert.match(r.stdout, /Época 1\/1 .* loss: /);
  assert.match(r.stdout, /Treino concluído/);
  for (const f of ['params.json', 'training_log.csv', 'viz/model.svg', 'weights/weights/model.json', 'weights/weights/weights.bin']) {
    assert.ok(existsSync(path.join(dir, f)), f);
  }
  const epochDirs = readdirSync(path.join(dir, 'weights')).filter((d) => /^weights-001-\d+\.\d\d$/.test(d));
  assert.equal(epochDirs.length, 1);
  assert.ok(existsSync(path.join(dir, 'weights', epochDirs[0], 'model.json')));
  const images = readdirSync(path.join(dir, 'images'));
  assert.deepEqual(images.sort(), ['img_001_0.jpg', 'img_001_8.jpg']); // 16 batches: 0 and 8
  const csv = readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 2);
  const loss = Number(csv[1].split(',')[1]);
  assert.ok(loss > 20 && loss < 250, `plausible first-epoch loss: ${loss}`);
  const params = JSON.parse(readFileSync(path.join(dir, 'params.json'), 'utf8'));
  assert.equal(params.kind, 'vae');
  assert.deepEqual(params.compile, { learningRate: 0.0005, rLossFactor: 1000 });
  assert.match(params.manifest.command, /--limit 512/);

  const again = run(['--epochs', '1', '--limit', '512', '--run-folder', dir]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /já contém um treino .*--resume/);
  assert.match(again.stderr, /omita --run-folder para começar um treino novo/);
  const resumed = run(['--epochs', '2', '--limit', '512', '--run-folder', dir, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /Retomando de .*época 1 concluída/);
  const rows = readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n').slice(1);
  assert.deepEqual(rows.map((l) => l.split(',')[0]), ['1', '2']);
});

test('without --run-folder a training takes the next free run id (GDL RUN_ID) and never touches existing runs', () => {
  const cwd = tempDir('vae-cli-cwd-');
  const shipped = path.join(cwd, 'run', 'vae', '0002_digits');
  mkdirSync(path.join(shipped, 'weights'), { recursive: true });
  writeFileSync(path.join(shipped, 'params.json'), '{"kept": true}\n');
  mkdirSync(path.join(cwd, 'run', 'vae', '0003_digits_sem_kl'));
  const r = spawnSync(process.execPath, [cli, '--epochs', '1', '--limit', '64', '--seed', '1', '--print-every', '0', '--quiet'], { cwd, encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const fresh = path.join('run', 'vae', '0004_digits');
  assert.match(r.stdout, new RegExp(`Treino novo em ${fresh.replace(/\//g, '\\/')}`));
  assert.ok(existsSync(path.join(cwd, fresh, 'weights', 'weights', 'model.json')));
  assert.equal(readFileSync(path.join(shipped, 'params.json'), 'utf8'), '{"kept": true}\n', 'the existing run is untouched');
  const ae = spawnSync(process.execPath, [cli, '--model', 'ae', '--epochs', '1', '--limit', '64', '--print-every', '0', '--quiet'], { cwd, encoding: 'utf8', timeout: 600_000 });
  assert.equal(ae.status, 0, ae.stderr);
  assert.ok(existsSync(path.join(cwd, 'run', 'ae', '0001_digits', 'params.json')));
});

test('bad values name the flag in Portuguese: --limit past the data set, a run folder that is a file (exit codes 2 and 1)', () => {
  const limit = run(['--limit', '10000000', '--epochs', '1']);
  assert.equal(limit.status, 2, limit.stderr);
  assert.match(limit.stderr, /^Erro: --limit 10000000: o conjunto digits tem 60\.000 imagens de treino; use no máximo 60\.000/m);
  const file = path.join(tempDir(), 'um-arquivo');
  writeFileSync(file, 'não sou uma pasta');
  for (const folder of [file, path.join(file, 'run')]) {
    const r = run(['--epochs', '1', '--limit', '64', '--run-folder', folder]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^Erro: .*um-arquivo é um arquivo, não uma pasta: escolha outro caminho/m);
    assert.doesNotMatch(r.stderr, /Erro inesperado|ENOTDIR:|at /);
  }
});

test('npm run notebooks: --bogus and --timeout abc are one Portuguese sentence with exit code 2 (before Jupyter starts)', () => {
  const notebooks = path.join(__dirname, '..', 'src', 'cli', 'notebooks.js');
  for (const [args, pattern] of [
    [['--bogus'], /^Erro: Opção desconhecida: --bogus\.$/m],
    [['--timeout', 'abc'], /^Erro: --timeout abc: esperado um inteiro positivo\.$/m],
  ] as const) {
    const r = spawnSync(process.execPath, [notebooks, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /TraitError|Erro inesperado/);
  }
});

test('every command takes its flags from one table: --help lists them with their defaults, a bad value is exit 2 in Portuguese', () => {
  const cmd = (name: string, args: string[]) => spawnSync(process.execPath, [path.join(__dirname, '..', 'src', 'cli', `${name}.js`), ...args], { encoding: 'utf8', timeout: 120_000 });
  const cases: [string, string[], RegExp][] = [
    ['export', [], /Falta --run-folder DIR: a execução a exportar/],
    ['export', ['--run-folder', 'x', '--out', 'y', '--n', '0'], /--n 0: esperado um inteiro de 1 a 10\.000/],
    ['explorer', ['--port', '99999'], /--port 99999: esperado um inteiro de 0 a 65\.535/],
    ['explorer', ['--page-backend', 'gpu'], /--page-backend gpu: use webgl ou cpu/],
    ['train-classifier', ['--max-shift', '20'], /--max-shift 20: esperado um inteiro de 0 a 13/],
    ['doctor', ['--bogus'], /Opção desconhecida: --bogus/],
    ['figures', ['--only', 'X.png'], /figura\(s\) desconhecida\(s\): X\.png/],
  ];
  for (const [name, args, message] of cases) {
    const r = cmd(name, args);
    assert.equal(r.status, 2, `${name} ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  for (const [name, flag] of [['export', /--n N +dígitos de teste em latent\.json \(padrão: 5000\)/], ['explorer', /--port N .*\(padrão: 8009\)/], ['train-classifier', /--epochs N +épocas \(padrão: 12\)/], ['doctor', /--json/], ['figures', /--out DIR .*\(padrão: img\)/]] as const) {
    const help = cmd(name, ['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, flag);
  }
});
