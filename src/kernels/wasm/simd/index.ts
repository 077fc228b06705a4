/**
 * Hand-written WebAssembly SIMD loops for the memory-bound parts of our wasm kernels. The module
 * imports the tfjs wasm backend's own memory, so it reads and writes tensors in place (all
 * pointers are byte offsets into that heap). 4-wide f32 SIMD makes these passes ~3–10× faster
 * than the equivalent JS loops. If the module cannot be built (no SIMD, memory not exported),
 * `simdFor` returns null and the kernels use the JS loops of ../../common.
 */
import { assemble, F32, Func, I32, V128 } from './assembler';

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => object;
};

export interface SimdKernels {
  /** out[i] = x[i] > 0 ? x[i] : α·x[i] (f32 arithmetic, like the stock wasm kernel), n floats. */
  leakyRelu(x: number, out: number, n: number, alpha: number): void;
  /** out[i] = x[i] > 0 ? dy[i] : α·dy[i], n floats. */
  leakyReluGrad(dy: number, x: number, out: number, n: number, alpha: number): void;
  /**
   * Column sums of a [rows, cols] f32 matrix (cols % 4 == 0) into acc64 (cols doubles), using
   * acc32 (cols floats) for f32 partial sums of 32 rows at a time.
   */
  columnSums(x: number, rows: number, cols: number, acc32: number, acc64: number): void;
  /**
   * One output row of the transposed im2col (see common/layout.ts): for ci < C, j < OW,
   *     dst[ci·rowStride + 4j] = lo ≤ j < hi ? src[(j − lo)·srcStep + 4ci] : 0
   * (strides in bytes): a 4×4-blocked transpose when C % 4 == 0.
   */
  im2colRow(src: number, srcStep: number, dst: number, rowStride: number, C: number, OW: number, lo: number, hi: number): void;
  /** count times: copy lenBytes from src to dst, then src += srcStep, dst += dstStep. */
  copy2d(src: number, dst: number, count: number, lenBytes: number, srcStep: number, dstStep: number): void;
  /**
   * copy2d for short runs (lenBytes % 4 == 0): 4-wide loads and stores inline instead of a
   * memory.copy call per run (~3× faster for runs of 32–64 floats). srcStep 0 repeats one row
   * (a bias row, or a row of zeros).
   */
  copyRuns(src: number, dst: number, count: number, lenBytes: number, srcStep: number, dstStep: number): void;
  /** out[r·cols + c] = x[r·cols + c] + bias[c] (f32) for r < rows, c < cols: a bias add. */
  addBiasRows(x: number, bias: number, out: number, rows: number, cols: number): void;
  /** Like copyRuns, but dst[i] += src[i] (f32): col2im's scatter-add, and bias rows (srcStep 0). */
  addRuns(src: number, dst: number, count: number, lenBytes: number, srcStep: number, dstStep: number): void;
  /**
   * One Adam step over n floats (../../common/adam.ts has the maths and the rounding order; every
   * operation here is the same IEEE f32 operation, so the result is bit-identical to the JS loop):
   * new θ, m, v into outValue, outM, outV (which may not alias the inputs).
   */
  adamStep(
    value: number, m: number, v: number, grad: number, outValue: number, outM: number, outV: number, n: number,
    beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, c1: number, c2: number, epsilon: number, negLr: number,
  ): void;
}

/** y = x > 0 ? a : α·a, element-wise, for a = x (forward) or a = dy (gradient). */
function leakyFunc(exportName: string, gradient: boolean): Func {
  // forward params: x, out, n, alpha; gradient params: dy, x, out, n, alpha
  const f = gradient ? new Func(exportName, [I32, I32, I32, I32, F32]) : new Func(exportName, [I32, I32, I32, F32]);
  const [A, X, OUT, N, ALPHA] = gradient ? [0, 1, 2, 3, 4] : [0, 0, 1, 2, 3];
  const i = f.local(I32);
  const end = f.local(I32);
  const va = f.local(V128);
  const v = f.local(V128);
  const s = f.local(F32);
  f.get(ALPHA).op('f32x4.splat').set(va);
  f.get(N).i32(-4).op('i32.and').i32(2).op('i32.shl').set(end);
  f.whileNot(
    () => f.get(i).get(end).op('i32.ge_u'),
    () => {
      f.get(OUT).get(i).op('i32.add');
      f.get(A).get(i).op('i32.add').v128Load().tee(v);
      f.get(v).get(va).op('f32x4.mul');
      if (gradient) f.get(X).get(i).op('i32.add').v128Load();
      else f.get(v);
      f.v128Zero().op('f32x4.gt');
      f.op('v128.bitselect').v128Store();
      f.addTo(i, 16);
    },
  );
  f.get(N).i32(2).op('i32.shl').set(end);
  f.whileNot(
    () => f.get(i).get(end).op('i32.ge_u'),
    () => {
      f.get(OUT).get(i).op('i32.add');
      f.get(A).get(i).op('i32.add').mem('f32.load').tee(s);
      f.get(s).get(ALPHA).op('f32.mul');
      f.get(X).get(i).op('i32.add').mem('f32.load').f32(0).op('f32.gt');
      f.op('select').mem('f32.store');
      f.addTo(i, 4);
    },
  );
  return f;
}

function columnSumsFunc(): Func {
  const f = new Func('column_sums', [I32, I32, I32, I32, I32]);
  const [X, ROWS, COLS, ACC32, ACC64] = [0, 1, 2, 3, 4];
  const rowBytes = f.local(I32);
  const r = f.local(I32);
  const p = f.local(I32);
  const c = f.local(I32);
  const blockEnd = f.local(I32);
  const v = f.local(V128);
  f.get(COLS).i32(2).op('i32.shl').set(rowBytes);
  f.get(ACC32).i32(0).get(rowBytes).memoryFill();
  f.get(ACC64).i32(0).get(rowBytes).i32(1).op('i32.shl').memoryFill();
  f.get(X).set(p);
  f.whileNot(
    () => f.get(r).get(ROWS).op('i32.ge_u'),
    () => {
      // blockEnd = min(r + 32, rows)
      f.get(r).i32(32).op('i32.add').get(ROWS).get(r).i32(32).op('i32.add').get(ROWS).op('i32.lt_u').op('select').set(blockEnd);
      f.whileNot(
        () => f.get(r).get(blockEnd).op('i32.ge_u'),
        () => {
          f.i32(0).set(c);
          f.whileNot(
            () => f.get(c).get(rowBytes).op('i32.ge_u'),
            () => {
              f.get(ACC32).get(c).op('i32.add');
              f.get(ACC32).get(c).op('i32.add').v128Load();
              f.get(p).get(c).op('i32.add').v128Load();
              f.op('f32x4.add').v128Store();
              f.addTo(c, 16);
            },
          );
          f.get(p).get(rowBytes).op('i32.add').set(p);
          f.addTo(r, 1);
        },
      );
      // Flush the f32 partial sums into the f64 accumulators.
      f.i32(0).set(c);
      f.whileNot(
        () => f.get(c).get(rowBytes).op('i32.ge_u'),
        () => {
          f.get(ACC32).get(c).op('i32.add').v128Load().set(v);
          // acc64 + 2c: columns j, j+1; acc64 + 2c + 16: columns j+2, j+3
          f.get(ACC64).get(c).i32(1).op('i32.shl').op('i32.add');
          f.get(ACC64).get(c).i32(1).op('i32.shl').op('i32.add').v128Load();
          f.get(v).op('f64x2.promote_low_f32x4').op('f64x2.add').v128Store();
          f.get(ACC64).get(c).i32(1).op('i32.shl').op('i32.add');
          f.get(ACC64).get(c).i32(1).op('i32.shl').op('i32.add').v128Load(16);
          f.get(v).get(v).shuffleF32([2, 3, 0, 1]).op('f64x2.promote_low_f32x4').op('f64x2.add').v128Store(16);
          f.get(ACC32).get(c).op('i32.add').v128Zero().v128Store();
          f.addTo(c, 16);
        },
      );
    },
  );
  return f;
}

function im2colRowFunc(): Func {
  const f = new Func('im2col_row', [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [SRC, STEP, DST, RS, C, OW, LO, HI] = [0, 1, 2, 3, 4, 5, 6, 7];
  const ci = f.local(I32);
  const d = f.local(I32);
  const s = f.local(I32);
  const j = f.local(I32);
  const q = f.local(I32);
  const rs2 = f.local(I32);
  const rs3 = f.local(I32);
  const step2 = f.local(I32);
  const step3 = f.local(I32);
  const a = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const t = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.get(RS).i32(1).op('i32.shl').set(rs2);
  f.get(rs2).get(RS).op('i32.add').set(rs3);
  f.get(STEP).i32(1).op('i32.shl').set(step2);
  f.get(step2).get(STEP).op('i32.add').set(step3);
  f.get(DST).set(d);
  const zeroFourRows = () => {
    // q = d + 4j; q, q+rs, q+rs2, q+rs3 ← 0
    f.get(d).get(j).i32(2).op('i32.shl').op('i32.add').set(q);
    f.get(q).f32(0).mem('f32.store');
    f.get(q).get(RS).op('i32.add').f32(0).mem('f32.store');
    f.get(q).get(rs2).op('i32.add').f32(0).mem('f32.store');
    f.get(q).get(rs3).op('i32.add').f32(0).mem('f32.store');
  };
  const zeroOneRow = () => {
    f.get(d).get(j).i32(2).op('i32.shl').op('i32.add').f32(0).mem('f32.store');
  };
  f.get(C).i32(3).op('i32.and').op('i32.eqz');
  f.if(
    () => {
      // C % 4 == 0: four channels (rows of dst) at a time.
      f.whileNot(
        () => f.get(ci).get(C).op('i32.ge_u'),
        () => {
          f.i32(0).set(j);
          f.whileNot(() => f.get(j).get(LO).op('i32.ge_u'), () => { zeroFourRows(); f.addTo(j, 1); });
          f.get(SRC).get(ci).i32(2).op('i32.shl').op('i32.add').set(s);
          // 4×4 blocks: 4 pixels × 4 channels, transposed with shuffles.
          f.whileNot(
            () => f.get(j).i32(4).op('i32.add').get(HI).op('i32.gt_u'),
            () => {
              f.get(s).v128Load().set(a[0]);
              f.get(s).get(STEP).op('i32.add').v128Load().set(a[1]);
              f.get(s).get(step2).op('i32.add').v128Load().set(a[2]);
              f.get(s).get(step3).op('i32.add').v128Load().set(a[3]);
              f.get(a[0]).get(a[1]).shuffleF32([0, 4, 1, 5]).set(t[0]);
              f.get(a[0]).get(a[1]).shuffleF32([2, 6, 3, 7]).set(t[1]);
              f.get(a[2]).get(a[3]).shuffleF32([0, 4, 1, 5]).set(t[2]);
              f.get(a[2]).get(a[3]).shuffleF32([2, 6, 3, 7]).set(t[3]);
              f.get(d).get(j).i32(2).op('i32.shl').op('i32.add').set(q);
              f.get(q).get(t[0]).get(t[2]).shuffleF32([0, 1, 4, 5]).v128Store();
              f.get(q).get(RS).op('i32.add').get(t[0]).get(t[2]).shuffleF32([2, 3, 6, 7]).v128Store();
              f.get(q).get(rs2).op('i32.add').get(t[1]).get(t[3]).shuffleF32([0, 1, 4, 5]).v128Store();
              f.get(q).get(rs3).op('i32.add').get(t[1]).get(t[3]).shuffleF32([2, 3, 6, 7]).v128Store();
              f.addTo(j, 4);
              f.get(s).get(STEP).i32(2).op('i32.shl').op('i32.add').set(s);
            },
          );
          // Remaining pixels one at a time.
          f.whileNot(
            () => f.get(j).get(HI).op('i32.ge_u'),
            () => {
              f.get(s).v128Load().set(a[0]);
              f.get(d).get(j).i32(2).op('i32.shl').op('i32.add').set(q);
              f.get(q).get(a[0]).extractF32(0).mem('f32.store');
              f.get(q).get(RS).op('i32.add').get(a[0]).extractF32(1).mem('f32.store');
              f.get(q).get(rs2).op('i32.add').get(a[0]).extractF32(2).mem('f32.store');
              f.get(q).get(rs3).op('i32.add').get(a[0]).extractF32(3).mem('f32.store');
              f.addTo(j, 1);
              f.get(s).get(STEP).op('i32.add').set(s);
            },
          );
          f.whileNot(() => f.get(j).get(OW).op('i32.ge_u'), () => { zeroFourRows(); f.addTo(j, 1); });
          f.addTo(ci, 4);
          f.get(d).get(RS).i32(2).op('i32.shl').op('i32.add').set(d);
        },
      );
    },
    () => {
      // Any C: one channel at a time, scalar.
      f.whileNot(
        () => f.get(ci).get(C).op('i32.ge_u'),
        () => {
          f.i32(0).set(j);
          f.whileNot(() => f.get(j).get(LO).op('i32.ge_u'), () => { zeroOneRow(); f.addTo(j, 1); });
          f.get(SRC).get(ci).i32(2).op('i32.shl').op('i32.add').set(s);
          f.whileNot(
            () => f.get(j).get(HI).op('i32.ge_u'),
            () => {
              f.get(d).get(j).i32(2).op('i32.shl').op('i32.add');
              f.get(s).mem('f32.load').mem('f32.store');
              f.addTo(j, 1);
              f.get(s).get(STEP).op('i32.add').set(s);
            },
          );
          f.whileNot(() => f.get(j).get(OW).op('i32.ge_u'), () => { zeroOneRow(); f.addTo(j, 1); });
          f.addTo(ci, 1);
          f.get(d).get(RS).op('i32.add').set(d);
        },
      );
    },
  );
  return f;
}

function copy2dFunc(): Func {
  const f = new Func('copy2d', [I32, I32, I32, I32, I32, I32]);
  const [SRC, DST, COUNT, LEN, SSTEP, DSTEP] = [0, 1, 2, 3, 4, 5];
  const k = f.local(I32);
  f.whileNot(
    () => f.get(k).get(COUNT).op('i32.ge_u'),
    () => {
      f.get(DST).get(SRC).get(LEN).memoryCopy();
      f.get(SRC).get(SSTEP).op('i32.add').set(SRC);
      f.get(DST).get(DSTEP).op('i32.add').set(DST);
      f.addTo(k, 1);
    },
  );
  return f;
}

/** copyRuns / addRuns: `count` runs of lenBytes (a multiple of 4), 16 bytes at a time, then 4. */
function runsFunc(exportName: string, add: boolean): Func {
  const f = new Func(exportName, [I32, I32, I32, I32, I32, I32]);
  const [SRC, DST, COUNT, LEN, SSTEP, DSTEP] = [0, 1, 2, 3, 4, 5];
  const k = f.local(I32);
  const i = f.local(I32);
  const vecEnd = f.local(I32);
  f.get(LEN).i32(-16).op('i32.and').set(vecEnd);
  f.whileNot(
    () => f.get(k).get(COUNT).op('i32.ge_u'),
    () => {
      f.i32(0).set(i);
      f.whileNot(
        () => f.get(i).get(vecEnd).op('i32.ge_u'),
        () => {
          f.get(DST).get(i).op('i32.add');
          f.get(SRC).get(i).op('i32.add').v128Load();
          if (add) f.get(DST).get(i).op('i32.add').v128Load().op('f32x4.add');
          f.v128Store();
          f.addTo(i, 16);
        },
      );
      f.whileNot(
        () => f.get(i).get(LEN).op('i32.ge_u'),
        () => {
          f.get(DST).get(i).op('i32.add');
          f.get(SRC).get(i).op('i32.add').mem('f32.load');
          if (add) f.get(DST).get(i).op('i32.add').mem('f32.load').op('f32.add');
          f.mem('f32.store');
          f.addTo(i, 4);
        },
      );
      f.get(SRC).get(SSTEP).op('i32.add').set(SRC);
      f.get(DST).get(DSTEP).op('i32.add').set(DST);
      f.addTo(k, 1);
    },
  );
  return f;
}

/**
 * adam_step: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← (m/c1)/(√(v/c2) + ε)·(−lr) + θ,
 * 4 floats at a time, then one at a time (see SimdKernels.adamStep).
 */
function adamFunc(): Func {
  const f = new Func('adam_step', [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32]);
  const [VALUE, M, V, G, OUT_VALUE, OUT_M, OUT_V, N] = [0, 1, 2, 3, 4, 5, 6, 7];
  const constants = [8, 9, 10, 11, 12, 13, 14, 15]; // β1, β2, 1−β1, 1−β2, c1, c2, ε, −lr
  const i = f.local(I32);
  const end = f.local(I32);
  const [b1, b2, ob1, ob2, c1, c2, eps, negLr] = constants.map((p) => {
    const splat = f.local(V128);
    f.get(p).op('f32x4.splat').set(splat);
    return splat;
  });
  const gv = f.local(V128);
  const mv = f.local(V128);
  const vv = f.local(V128);
  f.get(N).i32(-4).op('i32.and').i32(2).op('i32.shl').set(end);
  f.whileNot(
    () => f.get(i).get(end).op('i32.ge_u'),
    () => {
      f.get(G).get(i).op('i32.add').v128Load().set(gv);
      f.get(M).get(i).op('i32.add').v128Load().get(b1).op('f32x4.mul').get(gv).get(ob1).op('f32x4.mul').op('f32x4.add').set(mv);
      f.get(V).get(i).op('i32.add').v128Load().get(b2).op('f32x4.mul').get(gv).get(gv).op('f32x4.mul').get(ob2).op('f32x4.mul').op('f32x4.add').set(vv);
      f.get(OUT_M).get(i).op('i32.add').get(mv).v128Store();
      f.get(OUT_V).get(i).op('i32.add').get(vv).v128Store();
      f.get(OUT_VALUE).get(i).op('i32.add');
      f.get(mv).get(c1).op('f32x4.div').get(vv).get(c2).op('f32x4.div').op('f32x4.sqrt').get(eps).op('f32x4.add').op('f32x4.div');
      f.get(negLr).op('f32x4.mul').get(VALUE).get(i).op('i32.add').v128Load().op('f32x4.add').v128Store();
      f.addTo(i, 16);
    },
  );
  const [B1, B2, OB1, OB2, C1, C2, EPS, NEG_LR] = constants;
  const gs = f.local(F32);
  const ms = f.local(F32);
  const vs = f.local(F32);
  f.get(N).i32(2).op('i32.shl').set(end);
  f.whileNot(
    () => f.get(i).get(end).op('i32.ge_u'),
    () => {
      f.get(G).get(i).op('i32.add').mem('f32.load').set(gs);
      f.get(M).get(i).op('i32.add').mem('f32.load').get(B1).op('f32.mul').get(gs).get(OB1).op('f32.mul').op('f32.add').set(ms);
      f.get(V).get(i).op('i32.add').mem('f32.load').get(B2).op('f32.mul').get(gs).get(gs).op('f32.mul').get(OB2).op('f32.mul').op('f32.add').set(vs);
      f.get(OUT_M).get(i).op('i32.add').get(ms).mem('f32.store');
      f.get(OUT_V).get(i).op('i32.add').get(vs).mem('f32.store');
      f.get(OUT_VALUE).get(i).op('i32.add');
      f.get(ms).get(C1).op('f32.div').get(vs).get(C2).op('f32.div').op('f32.sqrt').get(EPS).op('f32.add').op('f32.div');
      f.get(NEG_LR).op('f32.mul').get(VALUE).get(i).op('i32.add').mem('f32.load').op('f32.add').mem('f32.store');
      f.addTo(i, 4);
    },
  );
  return f;
}

/** add_bias_rows: out = x + bias on each of `rows` rows of `cols` floats, 4 at a time, then 1. */
function biasRowsFunc(): Func {
  const f = new Func('add_bias_rows', [I32, I32, I32, I32, I32]);
  const [X, BIAS, OUT, ROWS, COLS] = [0, 1, 2, 3, 4];
  const r = f.local(I32);
  const i = f.local(I32);
  const rowBytes = f.local(I32);
  const vecEnd = f.local(I32);
  f.get(COLS).i32(2).op('i32.shl').set(rowBytes);
  f.get(rowBytes).i32(-16).op('i32.and').set(vecEnd);
  f.whileNot(
    () => f.get(r).get(ROWS).op('i32.ge_u'),
    () => {
      f.i32(0).set(i);
      f.whileNot(
        () => f.get(i).get(vecEnd).op('i32.ge_u'),
        () => {
          f.get(OUT).get(i).op('i32.add');
          f.get(X).get(i).op('i32.add').v128Load().get(BIAS).get(i).op('i32.add').v128Load().op('f32x4.add').v128Store();
          f.addTo(i, 16);
        },
      );
      f.whileNot(
        () => f.get(i).get(rowBytes).op('i32.ge_u'),
        () => {
          f.get(OUT).get(i).op('i32.add');
          f.get(X).get(i).op('i32.add').mem('f32.load').get(BIAS).get(i).op('i32.add').mem('f32.load').op('f32.add').mem('f32.store');
          f.addTo(i, 4);
        },
      );
      f.get(X).get(rowBytes).op('i32.add').set(X);
      f.get(OUT).get(rowBytes).op('i32.add').set(OUT);
      f.addTo(r, 1);
    },
  );
  return f;
}

/**
 * A module of this folder, compiled once and instantiated once per heap (the `env.memory` it
 * imports); `bind` names its exports. `for` gives null where it cannot be instantiated.
 */
export class HeapModule<T> {
  private compiled: object | null = null;
  private readonly instances = new WeakMap<object, T | null>();

  constructor(
    readonly bytes: () => Uint8Array,
    private readonly bind: (exports: Record<string, (...a: number[]) => void>) => T,
  ) {}

  for(memory: object): T | null {
    if (this.instances.has(memory)) return this.instances.get(memory) ?? null;
    let kernels: T | null = null;
    try {
      this.compiled ??= new WebAssembly.Module(this.bytes());
      kernels = this.bind(new WebAssembly.Instance(this.compiled, { env: { memory } }).exports as Record<string, (...a: number[]) => void>);
    } catch {
      kernels = null;
    }
    this.instances.set(memory, kernels);
    return kernels;
  }
}

let moduleBytes: Uint8Array | null = null;
let enabled = process.env.VAE_KERNELS_SIMD !== '0';

/** The module's bytes (for tests). */
export function simdModuleBytes(): Uint8Array {
  if (!moduleBytes) {
    moduleBytes = assemble([leakyFunc('leaky_relu', false), leakyFunc('leaky_relu_grad', true), columnSumsFunc(), im2colRowFunc(), copy2dFunc(), runsFunc('copy_runs', false), runsFunc('add_runs', true), adamFunc(), biasRowsFunc()]);
  }
  return moduleBytes;
}

const simdModule = new HeapModule<SimdKernels>(simdModuleBytes, (e) => ({
  leakyRelu: e.leaky_relu,
  leakyReluGrad: e.leaky_relu_grad,
  columnSums: e.column_sums,
  im2colRow: e.im2col_row,
  copy2d: e.copy2d,
  copyRuns: e.copy_runs,
  addRuns: e.add_runs,
  adamStep: e.adam_step,
  addBiasRows: e.add_bias_rows,
}));

/** Turns the SIMD loops on or off (off: JS loops); returns the previous setting. */
export function setSimdEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** The SIMD kernels bound to `memory` (the wasm backend's heap), or null if unavailable/disabled. */
export function simdFor(memory: unknown): SimdKernels | null {
  if (!enabled || memory === null || typeof memory !== 'object' || !(memory instanceof WebAssembly.Memory)) return null;
  return simdModule.for(memory);
}
