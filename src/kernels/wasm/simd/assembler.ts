/**
 * A minimal WebAssembly assembler: just enough to write a few SIMD loops that run on the tfjs
 * wasm backend's heap (the module imports the backend's WebAssembly.Memory). No toolchain is
 * needed at build or run time; the bytes are produced here and validated by the engine.
 * Encoding reference: the WebAssembly core spec (binary format) and the fixed-width SIMD proposal.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

function uleb(n: number, out: number[]): void {
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(n: number, out: number[]): void {
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string, out: number[]): void {
  const bytes = Buffer.from(s, 'utf8');
  uleb(bytes.length, out);
  for (const b of bytes) out.push(b);
}

/** Plain (prefix-free) opcodes we use. */
const OP = {
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'f32.gt': 0x5e,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.shl': 0x74, 'i32.shr_u': 0x76,
  'f32.sqrt': 0x91, 'f32.add': 0x92, 'f32.mul': 0x94, 'f32.div': 0x95, 'f64.add': 0xa0, 'f64.mul': 0xa2,
  'f32.demote_f64': 0xb6, 'f64.promote_f32': 0xbb,
  select: 0x1b, drop: 0x1a, return: 0x0f,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
const SIMD = {
  'f32x4.splat': 0x13, 'f32x4.gt': 0x44, 'v128.and': 0x4e, 'v128.bitselect': 0x52,
  'f32x4.demote_f64x2_zero': 0x5e, 'f64x2.promote_low_f32x4': 0x5f,
  'f32x4.sqrt': 0xe3, 'f32x4.add': 0xe4, 'f32x4.mul': 0xe6, 'f32x4.div': 0xe7, 'f64x2.add': 0xf0, 'f64x2.mul': 0xf2,
} as const;

export type Op = keyof typeof OP | keyof typeof SIMD;

/** Natural alignment (log2 bytes) of each memory access. */
const MEM = {
  'i32.load': [0x28, 2], 'f32.load': [0x2a, 2], 'f64.load': [0x2b, 3],
  'i32.store': [0x36, 2], 'f32.store': [0x38, 2], 'f64.store': [0x39, 3],
} as const;

export class Func {
  readonly code: number[] = [];
  private readonly extraLocals: ValType[] = [];

  constructor(
    readonly exportName: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  get(i: number): this { this.code.push(0x20); uleb(i, this.code); return this; }
  set(i: number): this { this.code.push(0x21); uleb(i, this.code); return this; }
  tee(i: number): this { this.code.push(0x22); uleb(i, this.code); return this; }
  i32(v: number): this { this.code.push(0x41); sleb(v, this.code); return this; }
  f32(v: number): this {
    this.code.push(0x43);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.code.push(...b);
    return this;
  }

  op(...names: Op[]): this {
    for (const n of names) {
      if (n in OP) this.code.push(OP[n as keyof typeof OP]);
      else {
        this.code.push(0xfd);
        uleb(SIMD[n as keyof typeof SIMD], this.code);
      }
    }
    return this;
  }

  /** Scalar load/store with a constant byte offset. */
  mem(kind: keyof typeof MEM, offset = 0): this {
    const [opcode, align] = MEM[kind];
    this.code.push(opcode);
    uleb(align, this.code);
    uleb(offset, this.code);
    return this;
  }

  /** v128.load / v128.store (unaligned allowed; alignment hint 0). */
  v128Load(offset = 0): this { this.code.push(0xfd); uleb(0x00, this.code); uleb(0, this.code); uleb(offset, this.code); return this; }
  v128Store(offset = 0): this { this.code.push(0xfd); uleb(0x0b, this.code); uleb(0, this.code); uleb(offset, this.code); return this; }
  v128Zero(): this { this.code.push(0xfd); uleb(0x0c, this.code); for (let i = 0; i < 16; i++) this.code.push(0); return this; }
  /** i8x16.shuffle of two f32x4 by float lanes (0–3: first operand, 4–7: second). */
  shuffleF32(lanes: [number, number, number, number]): this {
    this.code.push(0xfd);
    uleb(0x0d, this.code);
    for (const l of lanes) for (let b = 0; b < 4; b++) this.code.push(l * 4 + b);
    return this;
  }
  extractF32(lane: number): this { this.code.push(0xfd); uleb(0x1f, this.code); this.code.push(lane); return this; }

  /** memory.copy (dst, src, n on the stack) and memory.fill (dst, value, n). */
  memoryCopy(): this { this.code.push(0xfc); uleb(10, this.code); this.code.push(0, 0); return this; }
  memoryFill(): this { this.code.push(0xfc); uleb(11, this.code); this.code.push(0); return this; }

  block(body: () => void): this { this.code.push(0x02, 0x40); body(); this.code.push(0x0b); return this; }
  loop(body: () => void): this { this.code.push(0x03, 0x40); body(); this.code.push(0x0b); return this; }
  if(then: () => void, otherwise?: () => void): this {
    this.code.push(0x04, 0x40);
    then();
    if (otherwise) {
      this.code.push(0x05);
      otherwise();
    }
    this.code.push(0x0b);
    return this;
  }
  br(depth: number): this { this.code.push(0x0c); uleb(depth, this.code); return this; }
  brIf(depth: number): this { this.code.push(0x0d); uleb(depth, this.code); return this; }

  /**
   * for (i = start; i < end; i += step) body — with i, end and step locals/values pushed by the
   * callbacks. `cond` must push the loop's exit test (true = exit).
   */
  whileNot(cond: () => void, body: () => void): this {
    return this.block(() =>
      this.loop(() => {
        cond();
        this.brIf(1);
        body();
        this.br(0);
      }),
    );
  }

  /** local += value (i32). */
  addTo(i: number, value: number): this {
    return this.get(i).i32(value).op('i32.add').set(i);
  }

  encodeBody(): number[] {
    const out: number[] = [];
    // Locals, one entry per local (simple and valid).
    uleb(this.extraLocals.length, out);
    for (const t of this.extraLocals) {
      uleb(1, out);
      out.push(t);
    }
    out.push(...this.code, 0x0b);
    const sized: number[] = [];
    uleb(out.length, sized);
    return sized.concat(out);
  }
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  uleb(content.length, out);
  out.push(...content);
}

/** A module importing memory env.memory and exporting `funcs`. */
export function assemble(funcs: Func[]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: string[] = [];
  const typeIndex = funcs.map((f) => {
    const key = `${f.params.join(',')}>${f.results.join(',')}`;
    let i = types.indexOf(key);
    if (i < 0) i = types.push(key) - 1;
    return i;
  });
  const typeSec: number[] = [];
  uleb(types.length, typeSec);
  for (const key of types) {
    const [p, r] = key.split('>').map((s) => (s ? s.split(',').map(Number) : []));
    typeSec.push(0x60);
    uleb(p.length, typeSec);
    typeSec.push(...p);
    uleb(r.length, typeSec);
    typeSec.push(...r);
  }
  section(1, typeSec, out);
  const importSec: number[] = [];
  uleb(1, importSec);
  name('env', importSec);
  name('memory', importSec);
  importSec.push(0x02, 0x00);
  uleb(1, importSec);
  section(2, importSec, out);
  const funcSec: number[] = [];
  uleb(funcs.length, funcSec);
  for (const t of typeIndex) uleb(t, funcSec);
  section(3, funcSec, out);
  const exportSec: number[] = [];
  uleb(funcs.length, exportSec);
  funcs.forEach((f, i) => {
    name(f.exportName, exportSec);
    exportSec.push(0x00);
    uleb(i, exportSec);
  });
  section(7, exportSec, out);
  const codeSec: number[] = [];
  uleb(funcs.length, codeSec);
  for (const f of funcs) codeSec.push(...f.encodeBody());
  section(10, codeSec, out);
  return Uint8Array.from(out);
}
