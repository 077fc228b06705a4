#!/usr/bin/env node
/**
 * `npm run doctor`: the Portuguese checklist of what this machine has and lacks (src/doctor.ts),
 * one line per check — ok / aviso / falta — with the fix under it. Exit code 1 when something
 * required is missing ("falta"), 0 otherwise (avisos are optional pieces).
 */
import { flag, parseFlags, usageLines } from './flags';
import { reportError, runIfMain } from './run';
import { doctorPassed, runDoctor, type CheckResult, type DoctorProbes } from '../doctor';

export const DOCTOR_FLAGS = {
  json: flag.bool({ help: 'a lista em JSON (status, title, detail, fix)' }),
  help: flag.bool({ short: 'h', help: 'esta ajuda' }),
};

const HELP = `Uso: npm run doctor [-- --json]

Confere o que o projeto precisa (Node, npm, canvas, dados MNIST, Jupyter, nbconvert, kernel tslab,
backend de treino, disco) e o que é opcional (libtensorflow, CUDA, GPU, BLAS nativo, Chromium,
PyTorch, Fashion-MNIST, JupyterLab). Cada linha: ok, aviso ou falta, com a correção.
Sai com código 1 se falta algo necessário.

${usageLines(DOCTOR_FLAGS)}`;

/** The checklist as text: one line per check, the fix indented under avisos and faltas, a summary. */
export function formatChecklist(results: readonly CheckResult[]): string {
  const lines = ['Verificação do ambiente do vae-didatico', ''];
  for (const r of results) {
    lines.push(`${r.status.padEnd(5)}  ${r.title}: ${r.detail}`);
    if (r.fix && r.status !== 'ok') lines.push(`       → ${r.fix}`);
  }
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  const faltas = count('falta');
  lines.push('');
  lines.push(`${count('ok')} ok, ${count('aviso')} aviso(s), ${faltas} falta(s).`);
  lines.push(
    faltas
      ? 'Falta algo necessário: resolva as linhas "falta" acima e rode npm run doctor de novo.'
      : 'Tudo o que é necessário está aqui; os avisos são opcionais.',
  );
  return lines.join('\n');
}

/** CLI entry: returns the exit code. `probes` lets tests run it against stand-ins. */
export async function main(argv: string[], probes?: DoctorProbes): Promise<number> {
  try {
    const values = parseFlags(DOCTOR_FLAGS, argv);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const results = await runDoctor(probes);
    console.log(values.json ? JSON.stringify(results, null, 2) : formatChecklist(results));
    return doctorPassed(results) ? 0 : 1;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
