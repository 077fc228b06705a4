/**
 * The notebooks execute top to bottom with the tslab kernel (quick mode, as in CI), export to
 * static HTML with every figure embedded, and keep the source notebook's headings in order.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runNotebook, unembeddedImages } from '../src/cli/notebooks';
import { findJupyterPython } from '../src/jupyter';
import { tempDir } from './helpers';

const root = path.join(__dirname, '..', '..');
const notebooksDir = path.join(root, 'notebooks');
const notebooks = readdirSync(notebooksDir).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort();

/** Every heading of the source notebook ("Autoencoder variacional - Treino"), in its order. */
const SOURCE_HEADINGS = [
  '# 1 - O problema com os autoencoders tradicionais',
  '## Como geramos novos pontos?',
  '## **A ideia:** Se o espaço latente (imagem do encoder) seguir uma distribuição regular o suficiente, podemos aleatoriamente escolher um ponto x no espaço latente e, com  D(x), gerar a imagem de um novo dígito.',
  '## **O problema:** Não podemos garantir uma distribuição conveniente do espaço latente.',
  '## 1. A distribuição não é limitada ou simétrica. Ou seja, é desconhecida.',
  '## 2. A área de representação dos dígitos varia muito.',
  '## 3. Grandes espaços vazios.',
  '# 2 - A solução',
  '## 2.1 - A normal multivariada',
  '## 2.2 - Mapeamento dos pontos a uma distribuição',
  '## 2.3 - O que significa "sample de uma distribuição"',
  '# 3 - Regularização',
  '## - Resolvemos o problema 1. Mas como garantir que os valores da média e variância sejam razoáveis?',
  '## - Queremos: completude e continuidade',
  '## **Solução:** Alterar a Loss Function',
  '## Divergência de Kullback-Leibler',
  '## Loss function = r_loss_factor * r_loss + kl_divergence',
  '## **Tradeoff do r_loss_factor:**',
  '## - Se for muito grande, recaímos nos problemas do autoencoder inicial.',
  '## - Se for muito pequeno, o espaço latente será regular, porém irá gerar reconstruções de baixa qualidade.',
  '# 4 - O código',
  '# 5 - Criação da Rede Neural',
  '# 6 - Treino da Rede Neural',
];
const SOURCE_IMAGES = ['AE_Problem.jpg', 'NormalDistrib.jpg', 'VariationalDistri.jpg', 'car_colors.gif', 'KLLoss.png', 'WithoutWithReg.png', 'MorphGrad.png'];

function markdownLines(): string[] {
  return notebooks.flatMap((f) => {
    const nb = JSON.parse(readFileSync(path.join(notebooksDir, f), 'utf8')) as { cells: { cell_type: string; source: string[] | string }[] };
    return nb.cells.filter((c) => c.cell_type === 'markdown').flatMap((c) => (Array.isArray(c.source) ? c.source.join('') : c.source).split('\n'));
  });
}

test('the five notebooks exist, numbered by section', () => {
  assert.deepEqual(notebooks, ['01_problema_autoencoder.ipynb', '02_distribuicao_normal.ipynb', '03_regularizacao_kl.ipynb', '04_vae_treino.ipynb', '05_vae_analise.ipynb']);
});

test('every heading of the source notebook appears, verbatim and in order', () => {
  const lines = markdownLines().map((l) => l.trimEnd());
  let at = -1;
  for (const heading of SOURCE_HEADINGS) {
    const found = lines.indexOf(heading, at + 1);
    assert.ok(found > at, `heading missing or out of order: ${heading}`);
    at = found;
  }
  const text = lines.join('\n');
  for (const image of SOURCE_IMAGES) assert.ok(text.includes(`](../img/${image})`), `the figure ${image} is referenced`);
});

test('each notebook ends with a summary and exercises, and has a tslab kernelspec', () => {
  for (const f of notebooks) {
    const nb = JSON.parse(readFileSync(path.join(notebooksDir, f), 'utf8'));
    assert.equal(nb.metadata.kernelspec.name, 'tslab', f);
    const md = nb.cells.filter((c: { cell_type: string }) => c.cell_type === 'markdown').map((c: { source: string[] }) => c.source.join(''));
    assert.ok(md.some((s: string) => s.startsWith('## Resumo')), `${f}: ## Resumo`);
    assert.ok(md.some((s: string) => s.startsWith('## Exercícios')), `${f}: ## Exercícios`);
  }
});

test('all notebooks execute in quick mode and export to static HTML with embedded figures', { timeout: 40 * 60_000 }, async () => {
  process.env.VAE_QUICK = '1';
  const python = findJupyterPython();
  const outDir = tempDir('vae-html-');
  for (const f of notebooks) {
    const r = await runNotebook(path.join(notebooksDir, f), { outDir, python, inPlace: false, timeout: 1800 });
    const html = readFileSync(r.html, 'utf8');
    assert.deepEqual(unembeddedImages(html), [], `${f}: every image embedded`);
    assert.ok(r.figures > 0, `${f}: figures present`);
    assert.ok(!/jp-OutputArea-output[^"]*" data-mime-type="application\/vnd\.jupyter\.stderr"/.test(html), `${f}: no stderr output in the HTML`);
    console.log(`${f}: ${r.figures} figuras, ${r.seconds.toFixed(0)} s`);
  }
});
