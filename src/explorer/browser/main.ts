/**
 * The latent-space explorer page (issue 9): `vaeExplorer.mount(id, config)` builds the UI in the element
 * `id` and loads the two exported models with stock TensorFlow.js. Hover or drag on the plane decodes z
 * live; the pad encodes a drawn digit (μ, 1σ and 2σ ellipses, reconstruction, "sortear ε"); two clicks
 * give an interpolation strip; toggles switch to p-space and show a decoded grid.
 * Tests find the parts by their data-role attributes; the root gets data-state="ready" when loaded.
 */
import { formatPt } from '../../text';
import { PALETTE } from '../../plots/theme';
import type { PageConfig } from '../types';
import { capture, digitCanvas, drawDigit, el, LatestOnly } from './dom';
import { BACKEND_NOTES, chooseBackend, loadModel, Models, tensorCount, tfjsVersion } from './models';
import { DrawPad } from './pad';
import { LatentPlane } from './plane';
import { STYLE } from './style';

const pt = (v: number, d = 2) => formatPt(v, d);
const point = (z: number[], d = 2) => `(${z.map((v) => pt(v, d)).join('; ')})`;

/** ε ~ N(0, I) by Box–Muller. */
function gaussian(n: number): number[] {
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random()));
}

async function mount(id: string, config: PageConfig): Promise<void> {
  // A notebook may run the script before it attaches the output to the page: wait for it (≤ 10 s).
  let root = document.getElementById(id);
  for (let i = 0; !root && i < 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    root = document.getElementById(id);
  }
  if (!root) throw new Error(`explorer: elemento #${id} não encontrado`);
  root.dataset.role = 'explorer';
  root.classList.add('vx');
  root.dataset.state = 'loading';
  const status = el('div', { class: 'vx-status', 'data-role': 'status' }, ['Carregando os modelos…']);
  root.prepend(el('style', {}, [STYLE]), status);
  try {
    const wanted = new URLSearchParams(location.search).get('backend') ?? config.backend ?? null;
    const backend = await chooseBackend(wanted);
    const [encoder, decoder] = await Promise.all([loadModel(config.encoder), loadModel(config.decoder)]);
    const models = new Models(encoder, decoder, config.manifest.zDim);
    await models.decode([new Array(config.manifest.zDim).fill(0)]); // warm-up: compiles the shaders
    build(root, config, models, backend.name, backend.why);
    root.querySelector('[data-role="fallback"]')?.remove();
    status.remove();
    root.dataset.loadMs = performance.now().toFixed(0);
    root.dataset.state = 'ready';
  } catch (err) {
    status.textContent = `Erro ao carregar o explorador: ${(err as Error).message}`;
    root.dataset.state = 'error';
    throw err;
  }
}

function build(root: HTMLElement, config: PageConfig, models: Models, backend: string, why: string): void {
  const { latent, manifest } = config;
  const vae = manifest.kind === 'vae';
  const plane = new LatentPlane(latent.points, latent.labels, 460, 440);

  // The decoded digit of the pointer's z.
  const decoded = digitCanvas(196, { 'data-role': 'decoded' });
  const coords = el('div', { class: 'vx-info', 'data-role': 'coords' }, ['Passe o mouse sobre o plano.']);
  const decodeTime = el('span', { 'data-role': 'decode-time' }, ['—']);
  let decodes = 0;
  const decodeOne = new LatestOnly<{ z: number[]; note?: string }>(async ({ z, note }) => {
    const t0 = performance.now();
    const pixels = await models.decode([z]);
    const ms = performance.now() - t0;
    drawDigit(decoded, pixels);
    decoded.dataset.z = JSON.stringify(z);
    root.dataset.decodes = String(++decodes);
    root.dataset.tensors = String(tensorCount());
    decodeTime.textContent = `${pt(ms, 1)} ms`;
    const near = plane.nearest(z);
    coords.textContent = `${note ?? 'z'} = ${point(z)} · dígito de teste mais próximo: ${plane.label(near)}`;
  }, (idle) => (root.dataset.busy = idle ? '0' : '1'));

  // The pad: encode what is drawn.
  const encodedInfo = el('div', { class: 'vx-info', 'data-role': 'encoded' }, ['Desenhe um dígito no quadro.']);
  const recon = digitCanvas(84, { 'data-role': 'reconstruction' });
  let encoded: { mu: number[]; sigma: number[] | null } | null = null;
  const encode = new LatestOnly<null>(async () => {
    const x = pad.pixels();
    const { mu, logVar } = await models.encode(x);
    const sigma = logVar ? logVar.map((v) => Math.exp(v / 2)) : null; // σ = exp(log_var / 2)
    encoded = { mu, sigma };
    pad.canvas.dataset.mu = JSON.stringify(mu);
    plane.marks.encoded = encoded;
    plane.marks.sampled = undefined;
    plane.draw();
    drawDigit(recon, await models.decode([mu]));
    encodedInfo.textContent = sigma
      ? `μ = ${point(mu)} · σ = ${point(sigma, 3)} (elipses de 1σ e 2σ no plano)`
      : `z = ${point(mu)} (o autoencoder comum dá um ponto, sem σ)`;
    sampleButton.disabled = !sigma;
  }, (idle) => (pad.canvas.dataset.busy = idle ? '0' : '1'));
  const pad = new DrawPad(196, (done) => { if (done) encode.push(null); });
  const clearButton = el('button', { type: 'button', 'data-role': 'clear' }, ['limpar']);
  const sampleButton = el('button', { type: 'button', 'data-role': 'sample', disabled: '' }, ['sortear ε']);
  clearButton.onclick = () => {
    pad.clear();
    encoded = null;
    delete pad.canvas.dataset.mu;
    plane.marks.encoded = plane.marks.sampled = undefined;
    plane.draw();
    recon.getContext('2d')!.clearRect(0, 0, 28, 28);
    encodedInfo.textContent = 'Desenhe um dígito no quadro.';
    sampleButton.disabled = true;
  };
  sampleButton.title = vae ? 'z = μ + σ·ε, com ε ~ N(0, I)' : 'só o VAE tem σ';
  sampleButton.onclick = () => {
    if (!encoded?.sigma) return;
    const eps = gaussian(encoded.mu.length);
    const z = encoded.mu.map((m, d) => m + encoded!.sigma![d] * eps[d]); // z = μ + σ·ε
    plane.marks.sampled = z;
    plane.draw();
    decodeOne.push({ z, note: `z = μ + σ·ε, ε = ${point(eps)}; z` });
  };

  // Two clicks: the interpolation strip z_t = (1 − t)·z_A + t·z_B.
  const strip = el('div', { class: 'vx-strip', 'data-role': 'interpolation' });
  const stripInfo = el('div', { class: 'vx-info', 'data-role': 'interpolation-info' }, [`Clique em dois pontos do plano: ${config.steps} imagens entre eles.`]);
  let clicks: number[][] = [];
  const interpolate = new LatestOnly<number[][]>(async ([a, b]) => {
    const n = config.steps;
    const zs = Array.from({ length: n }, (_, i) => a.map((v, d) => (1 - i / (n - 1)) * v + (i / (n - 1)) * b[d]));
    plane.marks.path = zs;
    plane.draw();
    const pixels = await models.decode(zs);
    strip.replaceChildren(...zs.map((z, i) => {
      const c = digitCanvas(56, { 'data-z': JSON.stringify(z) });
      drawDigit(c, pixels, i);
      return el('figure', {}, [c, el('figcaption', {}, [`t=${pt(i / (n - 1), 2)}`])]);
    }));
    stripInfo.textContent = `De ${point(a)} a ${point(b)}, ${n} passos. Clique de novo para outro segmento.`;
  });

  // The plane's pointer: hover or drag decodes; a click (no drag) picks an end of the interpolation.
  let down: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = plane.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * plane.width, ((e.clientY - r.top) / r.height) * plane.height];
  };
  plane.canvas.addEventListener('pointermove', (e) => {
    const z = plane.fromPixel(...at(e));
    if (!z) return;
    plane.marks.pointer = z;
    plane.draw();
    decodeOne.push({ z });
  });
  plane.canvas.addEventListener('pointerdown', (e) => {
    down = at(e);
    capture(plane.canvas, e);
    const z = plane.fromPixel(...down);
    if (z) decodeOne.push({ z }); // a touch decodes where the finger lands
  });
  plane.canvas.addEventListener('pointerup', (e) => {
    const p = at(e);
    const wasClick = down && Math.hypot(p[0] - down[0], p[1] - down[1]) < 5;
    down = null;
    const z = plane.fromPixel(...p);
    if (!wasClick || !z) return;
    clicks = clicks.length === 1 ? [clicks[0], z] : [z];
    if (clicks.length === 1) {
      plane.marks.path = [z];
      plane.draw();
      stripInfo.textContent = `Ponto A = ${point(z)}. Agora clique no ponto B.`;
    } else interpolate.push(clicks);
  });

  // Toggles: p-space (Φ per coordinate) and the decoded grid.
  const axisX = el('div', { class: 'vx-axis-x', 'data-role': 'axis-x' });
  const axisY = el('div', { class: 'vx-axis-y', 'data-role': 'axis-y' });
  const spaceButton = el('button', { type: 'button', 'data-role': 'space-toggle' });
  const gridBox = el('input', { type: 'checkbox', 'data-role': 'grid-toggle' });
  const setAxes = () => {
    const p = plane.space === 'p';
    axisX.textContent = p ? 'Φ(z[0])' : 'z[0]';
    axisY.textContent = p ? 'Φ(z[1])' : 'z[1]';
    spaceButton.textContent = p ? 'voltar ao espaço z' : 'espaço p: Φ(z)';
  };
  const showGrid = new LatestOnly<boolean>(async (on) => {
    if (!on) return plane.setGrid(null);
    const size = config.gridSize;
    plane.setGrid({ size, pixels: await models.decode(plane.gridZ(size)) });
    root.dataset.grid = String(size);
  });
  spaceButton.onclick = () => {
    plane.setSpace(plane.space === 'z' ? 'p' : 'z');
    setAxes();
    if (gridBox.checked) showGrid.push(true);
  };
  gridBox.onchange = () => showGrid.push(gridBox.checked);
  setAxes();

  const labels = [...new Set(latent.labels)].sort((a, b) => Number(a) - Number(b));
  const legend = el('div', { class: 'vx-legend' }, labels.map((l) => el('span', {}, [
    el('i', { style: `background:${PALETTE[Number(l) % PALETTE.length]}` }), String(l)])));
  const epoch = manifest.epoch === null ? '' : `, época ${manifest.epoch}`;
  const backendLine = el('div', { class: 'vx-backend', 'data-role': 'backend', 'data-backend': backend }, [
    `TensorFlow.js ${tfjsVersion}, backend ${BACKEND_NOTES[backend] ?? backend} (${why}) · última decodificação: `, decodeTime]);

  root.append(
    el('div', { class: 'vx-title' }, [config.title]),
    el('div', { class: 'vx-help' }, [
      `${vae ? 'VAE' : 'Autoencoder comum'}${manifest.run ? ` de ${manifest.run.split(/[\\/]/).filter(Boolean).slice(-3).join('/')}` : ''}${epoch}. ` +
      `Os pontos são ${vae ? 'os μ' : 'os z'} de ${formatPt(latent.n)} imagens (${latent.source}). Passe o mouse ` +
      '(ou arraste o dedo) sobre o plano para decodificar o ponto; clique em dois pontos para interpolar.']),
    el('div', { class: 'vx-row' }, [
      el('div', { class: 'vx-col' }, [
        el('div', { class: 'vx-tools' }, [spaceButton, el('label', {}, [gridBox, ' grade decodificada'])]),
        el('div', { class: 'vx-plane-box' }, [axisY, plane.canvas, axisX]),
        legend,
      ]),
      el('div', { class: 'vx-col vx-side' }, [
        el('div', { class: 'vx-h' }, ['decoder(z)']), decoded, coords,
        el('div', { class: 'vx-h' }, ['Desenhe um dígito']),
        el('div', { class: 'vx-pad-row' }, [pad.canvas, el('div', {}, [
          el('div', { class: 'vx-tools' }, [clearButton, sampleButton]), el('div', { class: 'vx-small' }, ['reconstrução:']), recon])]),
        encodedInfo,
      ]),
    ]),
    el('div', { class: 'vx-h' }, ['Interpolação']), stripInfo, strip,
    backendLine,
  );
}

(globalThis as unknown as { vaeExplorer: unknown }).vaeExplorer = { mount };
