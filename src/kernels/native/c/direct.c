/*
 * Direct convolutions: no im2col matrix and no GEMM packing. The three kernels of conv.c for
 * the channel counts of this network (multiples of the vector width), with the output tile
 * held in vector registers while the reduction runs over the filter taps.
 *
 * Why: with Cout = 64 a GEMM [N×K]·[K×64] does 64 multiply-adds per element of the im2col
 * matrix, and that matrix is written (im2col), read and packed (BLAS) before the arithmetic
 * starts; for this network's layers that memory movement costs as much as the arithmetic. A
 * tile of P output pixels × V vectors of channels (P·V ≤ 24 of AVX-512's 32 registers) loads V
 * weight vectors and P broadcast inputs per P·V fused multiply-adds, reading the input image
 * (zero-padded once) and the filter in place.
 *
 * Layout as in conv.c: x [B, H, W, C], W[K, Cout] with k = (kh·KW + kw)·C + ci. With the image
 * zero-padded to xp [Hp, Wp, C] (xp[r, c] = x[r − pt, c − pl]), the window of output pixel
 * (oh, ow) starts at xp[oh·sh, ow·sw] and its row kh is the KW·C consecutive floats from
 * xp[oh·sh + kh, ow·sw]: j = kw·C + ci runs over them, k = kh·KW·C + j.
 *     forward          y[oh, ow, co] = Σ_kh Σ_j xp[oh·sh + kh, ow·sw; j] · W[kh·KW·C + j, co]
 *     filter gradient  dW[kh·KW·C + j, co] = Σ_b Σ_(oh,ow) xp_b[oh·sh + kh, ow·sw; j] · dy_b[oh, ow, co]
 *     input gradient   dx[ih, iw, ci] = Σ over taps with ih + pt − kh = oh·sh and iw + pl − kw = ow·sw
 *                                       of Σ_co dy[oh, ow, co] · W[(kh·KW + kw)·C + ci, co]
 * The input gradient is computed in gather form (each dx pixel sums its own taps, no col2im):
 * for a row ih and a class of columns iw ≡ iw0 (mod sw), the valid taps are fixed and
 * consecutive pixels of the class read consecutive pixels of dy (zero-padded so that every
 * tap lands inside), with the filter transposed to Wᵀ[kh, kw, co, ci].
 *
 * Every element is summed in the same order whatever the thread count: threads split images
 * (forward, input gradient) or filter tiles (filter gradient: each tile sums the images in
 * order), never one sum.
 */
#include <stdlib.h>
#include <string.h>

#include "conv.h"

#if defined(__AVX512F__)
#define VW 16        /* floats per vector */
#define MAX_V 4      /* vectors of channels per tile */
#define ACCUMULATORS 24
#else
#define VW 8 /* AVX2 (or the compiler's emulation of 8-wide vectors) */
#define MAX_V 2
#define ACCUMULATORS 12
#endif
#define MAX_P 12     /* pixels (or filter rows) per tile */
#define FEW_P (ACCUMULATORS / 2) /* dx pixels per tile of the few-channels input gradient (two accumulators each) */
#define MAX_TAPS 64  /* KH·KW of the input gradient's tap lists */
#define FILTER_CHUNKS 8 /* the filter gradient's fixed split of a batch (threads share the chunks) */

typedef float vf __attribute__((vector_size(VW * sizeof(float))));
typedef float vfu __attribute__((vector_size(VW * sizeof(float)), aligned(4))); /* unaligned access */

static inline vf load(const float *p) { return *(const vfu *)p; }
static inline void store(float *p, vf v) { *(vfu *)p = v; }
typedef int vi __attribute__((vector_size(VW * sizeof(float))));
/* Every lane = s. Written out lane by lane so that it compiles to one broadcast load (the shorter
 * (vf){0} + s must keep the addition: 0 + −0 is +0). */
#if VW == 16
static inline vf broadcast(float s) { return (vf){s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s}; }
#else
static inline vf broadcast(float s) { return (vf){s, s, s, s, s, s, s, s}; }
#endif
/* positive ? a : b, lane by lane (C has no vector ?:). */
static inline vf select_positive(vf x, vf a, vf b) {
  const vi m = x > 0;
  return (vf)(((vi)a & m) | ((vi)b & ~m));
}

/* Pixels per tile for V vectors of channels. */
static int max_pixels(int v) {
  const int p = ACCUMULATORS / v;
  return p < MAX_P ? p : MAX_P;
}

static int direct_enabled = 1;

/* Turns the direct kernels on (1) or off (0: every convolution takes conv.c's GEMM path); returns the previous state. */
int vk_set_direct(int enabled) {
  const int previous = direct_enabled;
  direct_enabled = enabled != 0;
  return previous;
}

static int direct_calls = 0;

/* Floats per vector the direct kernels were compiled for (16 with AVX-512, else 8). */
int vk_vector_floats(void) { return VW; }

/* How many convolutions the direct kernels have done (tests check the routing with it). */
int vk_direct_calls(void) { return direct_calls; }

/* Input gradients with at most this many dx channels (not whole vectors) reduce over Cout instead. */
#define FEW_CHANNELS 4

int vk_direct_takes(const geometry *g, int kernel) {
  if (!direct_enabled || vk_pointwise(g) || g->dil_h != 1 || g->dil_w != 1 || g->k_h * g->k_w > MAX_TAPS) return 0;
  if (g->in_c <= 0 || g->out_c <= 0 || g->out_h <= 0 || g->out_w <= 0 || g->k_h <= 0 || g->k_w <= 0) return 0;
  if (kernel == DIRECT_INPUT_GRADIENT) return g->in_c % VW == 0 || (g->in_c <= FEW_CHANNELS && g->out_c % VW == 0);
  return g->out_c % VW == 0;
}

int vk_direct_route(const int *geo, int kernel) { return vk_direct_takes((const geometry *)geo, kernel); }

/*
 * One output tile: acc[p][v] = bias[v] + Σ_t Σ_(j<len) in[p·step + off[t] + j] · w[t][j·ldw + v·VW],
 * stored (after the activation: 1 relu, 2 leaky relu) at out + p·out_step + v·VW. The bias
 * starts the sum, or with `bias_last` is added to the finished sum (the rounding of a separate
 * bias Add after the convolution, as Conv2DTranspose layers do it).
 */
static inline __attribute__((always_inline)) void conv_tile(const int P, const int V, const float *in, long step, int taps,
                                                            const long *off, const float *const *w, int len, long ldw,
                                                            float *out, long out_step, const float *bias, int bias_last,
                                                            int activation, float alpha) {
  vf acc[MAX_P][MAX_V];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) acc[p][v] = bias && !bias_last ? load(bias + v * VW) : (vf){0};
  for (int t = 0; t < taps; t++) {
    const float *x = in + off[t], *wt = w[t];
    for (int j = 0; j < len; j++, wt += ldw) {
      vf wv[MAX_V];
      for (int v = 0; v < V; v++) wv[v] = load(wt + v * VW);
      for (int p = 0; p < P; p++) {
        const vf xb = broadcast(x[p * step + j]);
        for (int v = 0; v < V; v++) acc[p][v] += xb * wv[v];
      }
    }
  }
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) {
      vf a = acc[p][v];
      if (bias && bias_last) a += load(bias + v * VW);
      if (activation == 1) a = select_positive(a, a, (vf){0});
      else if (activation == 2) a = select_positive(a, a, a * alpha);
      store(out + p * out_step + v * VW, a);
    }
}

/*
 * One filter-gradient tile over one image: acc[i][v] = (first ? 0 : dw[i·ldw + v·VW]) +
 * Σ_(oh,ow) x[(oh·sh·Wp + ow·sw)·C + i] · dy[(oh·OW + ow)·ldy + v·VW], stored back into dw.
 */
static inline __attribute__((always_inline)) void filter_tile(const int P, const int V, const float *x, long row_step,
                                                              long pixel_step, int out_h, int out_w, const float *dy,
                                                              long ldy, float *dw, long ldw, int first) {
  vf acc[MAX_P][MAX_V];
  for (int i = 0; i < P; i++)
    for (int v = 0; v < V; v++) acc[i][v] = first ? (vf){0} : load(dw + i * ldw + v * VW);
  for (int oh = 0; oh < out_h; oh++) {
    const float *xr = x + oh * row_step;
    for (int ow = 0; ow < out_w; ow++, dy += ldy) {
      const float *xn = xr + ow * pixel_step;
      vf d[MAX_V];
      for (int v = 0; v < V; v++) d[v] = load(dy + v * VW);
      for (int i = 0; i < P; i++) {
        const vf xb = broadcast(xn[i]);
        for (int v = 0; v < V; v++) acc[i][v] += xb * d[v];
      }
    }
  }
  for (int i = 0; i < P; i++)
    for (int v = 0; v < V; v++) store(dw + i * ldw + v * VW, acc[i][v]);
}

/* The (P, V) pairs a tile can take: each gets its own compiled copy with the loops unrolled. */
#define PIXELS_1_6(F, V) F(1, V) F(2, V) F(3, V) F(4, V) F(5, V) F(6, V)
#define PIXELS_1_8(F, V) PIXELS_1_6(F, V) F(7, V) F(8, V)
#define PIXELS_1_12(F, V) PIXELS_1_8(F, V) F(9, V) F(10, V) F(11, V) F(12, V)
#if MAX_V == 4
#define EVERY_TILE(F) PIXELS_1_12(F, 1) PIXELS_1_12(F, 2) PIXELS_1_8(F, 3) PIXELS_1_6(F, 4)
#else
#define EVERY_TILE(F) PIXELS_1_12(F, 1) PIXELS_1_6(F, 2)
#endif

static void conv_tile_any(int P, int V, const float *in, long step, int taps, const long *off, const float *const *w, int len,
                          long ldw, float *out, long out_step, const float *bias, int bias_last, int activation, float alpha) {
#define CONV_CASE(p, v) \
  case (p) * 8 + (v): conv_tile(p, v, in, step, taps, off, w, len, ldw, out, out_step, bias, bias_last, activation, alpha); return;
  switch (P * 8 + V) { EVERY_TILE(CONV_CASE) }
#undef CONV_CASE
}

static void filter_tile_any(int P, int V, const float *x, long row_step, long pixel_step, int out_h, int out_w,
                            const float *dy, long ldy, float *dw, long ldw, int first) {
#define FILTER_CASE(p, v) \
  case (p) * 8 + (v): filter_tile(p, v, x, row_step, pixel_step, out_h, out_w, dy, ldy, dw, ldw, first); return;
  switch (P * 8 + V) { EVERY_TILE(FILTER_CASE) }
#undef FILTER_CASE
}

/* Splits n items into the fewest tiles of at most `most`, sizes differing by at most one. */
static int tile_count(int n, int most) { return (n + most - 1) / most; }
static int tile_start(int t, int n, int tiles) { return (int)((long)t * n / tiles); }

/*
 * Vectors of channels per tile for rows of `row` pixels (of `vectors` in all). Per multiply-add
 * a tile of P pixels × V vectors loads 1/P of a weight vector (from L2: the filter is 72–147 KB
 * here) and 1/V of a broadcast input (from L1); weighting the first 4× (measured: on 7-pixel rows
 * V = 2 with P = 7 runs ~1,6× faster than V = 4 with P = 3–4, on 14-pixel rows they tie):
 * of the V that divide `vectors`, the one with the lowest 4/P + 1/V, P the mean tile of the row.
 */
static int block_vectors(int vectors, int row) {
  int best = 1;
  double best_cost = 1e30;
  for (int v = 1; v <= MAX_V && v <= vectors; v++) {
    if (vectors % v) continue;
    const double p = (double)row / tile_count(row, max_pixels(v)), cost = 4.0 / p + 1.0 / v;
    if (cost < best_cost - 1e-9) best = v, best_cost = cost;
  }
  return best;
}

/* The padded image of the forward and filter-gradient passes: Hp × Wp pixels of C floats. */
static int padded_height(const geometry *g) { return (g->out_h - 1) * g->stride_h + g->k_h; }
static int padded_width(const geometry *g) { return (g->out_w - 1) * g->stride_w + g->k_w; }

/*
 * dst[r, c] = src[r − top, c − left] for 0 ≤ r < rows, 0 ≤ c < cols (zero outside src's
 * src_rows × src_cols pixels of `ch` floats).
 */
static void pad_image(const float *src, int src_rows, int src_cols, int ch, float *dst, int rows, int cols, int top, int left) {
  const size_t pixel = (size_t)ch * sizeof(float);
  const int lo = left > 0 ? left : 0, hi = src_cols + left < cols ? src_cols + left : cols;
  for (int r = 0; r < rows; r++) {
    float *d = dst + (size_t)r * cols * ch;
    const int sr = r - top;
    if (sr < 0 || sr >= src_rows || hi <= lo) {
      memset(d, 0, (size_t)cols * pixel);
      continue;
    }
    memset(d, 0, (size_t)lo * pixel);
    memcpy(d + (size_t)lo * ch, src + ((size_t)sr * src_cols + (lo - left)) * ch, (size_t)(hi - lo) * pixel);
    memset(d + (size_t)hi * ch, 0, (size_t)(cols - hi) * pixel);
  }
}

static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int vk_direct_conv2d(const float *x, const float *w, const float *bias, float *y, const geometry *g, int activation, float alpha,
                     int threads) {
  __atomic_fetch_add(&direct_calls, 1, __ATOMIC_RELAXED); /* JS worker threads may call at once */
  const int C = g->in_c, cout = g->out_c, Hp = padded_height(g), Wp = padded_width(g), len = g->k_w * C;
  const size_t image = (size_t)g->in_h * g->in_w * C, out_image = (size_t)g->out_h * g->out_w * cout;
  int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && g->batch > 1)
  for (int b = 0; b < g->batch; b++) {
    float *xp = vk_thread_scratch((size_t)Hp * Wp * C);
    if (!xp) {
#pragma omp atomic write
      failed = 1;
      continue;
    }
    pad_image(x + b * image, g->in_h, g->in_w, C, xp, Hp, Wp, g->pad_top, g->pad_left);
    long off[MAX_TAPS];
    const float *wk[MAX_TAPS];
    const int bv = block_vectors(cout / VW, g->out_w);
    for (int cv = 0; cv < cout / VW; cv += bv) {
      const int V = cout / VW - cv < bv ? cout / VW - cv : bv, most = max_pixels(V), tiles = tile_count(g->out_w, most);
      for (int kh = 0; kh < g->k_h; kh++) {
        off[kh] = (long)kh * Wp * C;
        wk[kh] = w + (size_t)kh * len * cout + cv * VW;
      }
      for (int oh = 0; oh < g->out_h; oh++)
        for (int t = 0; t < tiles; t++) {
          const int ow0 = tile_start(t, g->out_w, tiles), P = tile_start(t + 1, g->out_w, tiles) - ow0;
          conv_tile_any(P, V, xp + ((size_t)oh * g->stride_h * Wp + (size_t)ow0 * g->stride_w) * C, (long)g->stride_w * C, g->k_h,
                        off, wk, len, cout, y + b * out_image + ((size_t)oh * g->out_w + ow0) * cout + cv * VW, cout,
                        bias ? bias + cv * VW : 0, 0, activation, alpha);
        }
    }
  }
  return failed ? -1 : 0;
}

/* Σ of the lanes, in lane order. */
static inline float lane_sum(vf a) {
  float s = 0;
  for (int l = 0; l < VW; l++) s += a[l];
  return s;
}

/*
 * The input gradient of P dx pixels with few channels: for pixel p (its dy window at in + p·step,
 * its dx at out + p·out_step), dx[ci] = Σ_t Σ_co in[p·step + off[t] + co] · w[t][ci·cout + co],
 * the sum over co in vectors (two accumulators, so consecutive multiply-adds do not wait on
 * each other), then across their lanes. The P pixels are independent sums, interleaved so that
 * their multiply-adds (and lane sums) overlap instead of each pixel waiting on its own chain:
 * one pixel at a time ran at ~15 GFLOP/s on a core. Each pixel's sum keeps the same order
 * whatever P is.
 */
static inline __attribute__((always_inline)) void few_channels_tile(const int P, const float *in, long step, int taps,
                                                                    const long *off, const float *const *w, int C, int cout,
                                                                    float *out, long out_step) {
  for (int ci = 0; ci < C; ci++) {
    vf even[FEW_P], odd[FEW_P]; /* vectors 0, 2, 4, … and 1, 3, 5, … of Cout */
    for (int p = 0; p < P; p++) even[p] = odd[p] = (vf){0};
    for (int t = 0; t < taps; t++) {
      const float *a = in + off[t], *b = w[t] + (size_t)ci * cout;
      int co = 0;
      for (; co + 2 * VW <= cout; co += 2 * VW) {
        const vf we = load(b + co), wo = load(b + co + VW);
        for (int p = 0; p < P; p++) {
          even[p] += load(a + p * step + co) * we;
          odd[p] += load(a + p * step + co + VW) * wo;
        }
      }
      if (co < cout) {
        const vf we = load(b + co);
        for (int p = 0; p < P; p++) even[p] += load(a + p * step + co) * we;
      }
    }
    for (int p = 0; p < P; p++) out[p * out_step + ci] = lane_sum(even[p] + odd[p]);
  }
}

static void few_channels_tile_any(int P, const float *in, long step, int taps, const long *off, const float *const *w, int C,
                                  int cout, float *out, long out_step) {
#define FEW_CASE(p, _) \
  case p: few_channels_tile(p, in, step, taps, off, w, C, cout, out, out_step); return;
#if FEW_P == 12
  switch (P) { PIXELS_1_12(FEW_CASE, 0) }
#else
  switch (P) { PIXELS_1_6(FEW_CASE, 0) }
#endif
#undef FEW_CASE
}

int vk_direct_backprop_input(const float *dy, const float *w, const float *bias, float *dx, const geometry *g, int activation,
                             float alpha, int threads) {
  __atomic_fetch_add(&direct_calls, 1, __ATOMIC_RELAXED); /* JS worker threads may call at once */
  const int C = g->in_c, cout = g->out_c, KH = g->k_h, KW = g->k_w, sh = g->stride_h, sw = g->stride_w;
  const int oh_lo = floor_div(g->pad_top - (KH - 1), sh), oh_hi = floor_div(g->in_h - 1 + g->pad_top, sh);
  const int ow_lo = floor_div(g->pad_left - (KW - 1), sw), ow_hi = floor_div(g->in_w - 1 + g->pad_left, sw);
  const int Hd = oh_hi - oh_lo + 1, Wd = ow_hi - ow_lo + 1;
  const size_t image = (size_t)g->in_h * g->in_w * C, dy_image = (size_t)g->out_h * g->out_w * cout;
  /* Whole vectors of dx channels: Wᵀ[kh, kw, co, ci] = W[(kh·KW + kw)·C + ci, co], shared by the
   * threads. Few dx channels: W itself (its rows (tap, ci) run over co). */
  const int few = C % VW != 0;
  float *wt = few ? (float *)w : vk_shared_scratch((size_t)KH * KW * cout * C);
  if (!wt) return -1;
  if (!few)
    for (int t = 0; t < KH * KW; t++)
      for (int ci = 0; ci < C; ci++)
        for (int co = 0; co < cout; co++) wt[((size_t)t * cout + co) * C + ci] = w[((size_t)t * C + ci) * cout + co];
  int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && g->batch > 1)
  for (int b = 0; b < g->batch; b++) {
    float *dyp = vk_thread_scratch((size_t)Hd * Wd * cout);
    if (!dyp) {
#pragma omp atomic write
      failed = 1;
      continue;
    }
    pad_image(dy + b * dy_image, g->out_h, g->out_w, cout, dyp, Hd, Wd, -oh_lo, -ow_lo);
    float *dxb = dx + b * image;
    long off[MAX_TAPS];
    const float *wk[MAX_TAPS];
    for (int ih = 0; ih < g->in_h; ih++)
      for (int iw0 = 0; iw0 < sw && iw0 < g->in_w; iw0++) {
        const int count = (g->in_w - iw0 + sw - 1) / sw;
        int taps = 0;
        for (int kh = 0; kh < KH; kh++) {
          const int rh = ih + g->pad_top - kh;
          if (((rh % sh) + sh) % sh) continue;
          for (int kw = 0; kw < KW; kw++) {
            const int rw = iw0 + g->pad_left - kw;
            if (((rw % sw) + sw) % sw) continue;
            off[taps] = ((long)(rh / sh - oh_lo) * Wd + (rw / sw - ow_lo)) * cout;
            wk[taps++] = wt + (size_t)(kh * KW + kw) * cout * C; /* the tap's C·cout block, either layout */
          }
        }
        float *out = dxb + ((size_t)ih * g->in_w + iw0) * C;
        if (taps == 0 || few) {
          for (int q0 = 0; q0 < count && taps > 0; q0 += FEW_P) {
            const int P = count - q0 < FEW_P ? count - q0 : FEW_P;
            few_channels_tile_any(P, dyp + (size_t)q0 * cout, cout, taps, off, wk, C, cout, out + (size_t)q0 * sw * C,
                                  (long)sw * C);
          }
          for (int q = 0; q < count; q++) {
            float *pixel = out + (size_t)q * sw * C;
            if (taps == 0) memset(pixel, 0, (size_t)C * sizeof(float));
            if (bias || activation) vk_bias_activate(pixel, 1, C, bias, activation, alpha);
          }
          continue;
        }
        const int bv = block_vectors(C / VW, count);
        for (int cv = 0; cv < C / VW; cv += bv) {
          const int V = C / VW - cv < bv ? C / VW - cv : bv, most = max_pixels(V), tiles = tile_count(count, most);
          const float *wv[MAX_TAPS];
          for (int t = 0; t < taps; t++) wv[t] = wk[t] + cv * VW;
          for (int t = 0; t < tiles; t++) {
            const int q0 = tile_start(t, count, tiles), P = tile_start(t + 1, count, tiles) - q0;
            conv_tile_any(P, V, dyp + (size_t)q0 * cout, cout, taps, off, wv, cout, C, out + (size_t)q0 * sw * C + cv * VW,
                          (long)sw * C, bias ? bias + cv * VW : 0, 1, activation, alpha);
          }
        }
      }
  }
  return failed ? -1 : 0;
}

int vk_direct_backprop_filter(const float *x, const float *dy, float *dw, const geometry *g, int threads) {
  __atomic_fetch_add(&direct_calls, 1, __ATOMIC_RELAXED); /* JS worker threads may call at once */
  const int C = g->in_c, cout = g->out_c, Hp = padded_height(g), Wp = padded_width(g), len = g->k_w * C;
  const size_t image = (size_t)g->in_h * g->in_w * C, padded = (size_t)Hp * Wp * C, dy_image = (size_t)g->out_h * g->out_w * cout;
  const size_t filter = (size_t)g->k_h * len * cout;
  /* Tiles of dW: (kh, a run of rows j of that kh, a block of channel vectors). */
  const int vectors = cout / VW, blocks = (vectors + MAX_V - 1) / MAX_V;
  const int rows_most = max_pixels(vectors < MAX_V ? vectors : MAX_V), row_tiles = tile_count(len, rows_most);
  const int tiles = g->k_h * row_tiles * blocks;
  /* Bands of output rows whose dy (≤ 16 KB) stays in L1 while every tile reads it. */
  const int row_bytes = g->out_w * cout * (int)sizeof(float), band = row_bytes < 16384 ? 16384 / row_bytes : 1;
  /* The batch in a fixed number of chunks (not one per thread: the sums must not depend on the
   * thread count), each summed into its own dW, then the chunks added in order. A thread pads
   * its chunk's images one at a time into its own scratch, so nothing is read by two threads. */
  const int chunks = g->batch < FILTER_CHUNKS ? g->batch : FILTER_CHUNKS;
  float *partials = chunks > 1 ? vk_shared_scratch((size_t)chunks * filter) : dw;
  if (!partials) return -1;
  int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && chunks > 1)
  for (int c = 0; c < chunks; c++) {
    float *xp = vk_thread_scratch(padded), *out = chunks > 1 ? partials + (size_t)c * filter : dw;
    if (!xp) {
#pragma omp atomic write
      failed = 1;
      continue;
    }
    const int b0 = tile_start(c, g->batch, chunks), b1 = tile_start(c + 1, g->batch, chunks);
    for (int b = b0; b < b1; b++) {
      pad_image(x + b * image, g->in_h, g->in_w, C, xp, Hp, Wp, g->pad_top, g->pad_left);
      for (int oh0 = 0; oh0 < g->out_h; oh0 += band) {
        const int rows = g->out_h - oh0 < band ? g->out_h - oh0 : band;
        for (int t = 0; t < tiles; t++) {
          const int cb = t % blocks, rt = (t / blocks) % row_tiles, kh = t / blocks / row_tiles;
          const int cv = cb * MAX_V, V = vectors - cv < MAX_V ? vectors - cv : MAX_V;
          const int j0 = tile_start(rt, len, row_tiles), P = tile_start(rt + 1, len, row_tiles) - j0;
          filter_tile_any(P, V, xp + ((size_t)oh0 * g->stride_h + kh) * Wp * C + j0, (long)g->stride_h * Wp * C,
                          (long)g->stride_w * C, rows, g->out_w, dy + b * dy_image + (size_t)oh0 * g->out_w * cout + cv * VW, cout,
                          out + ((size_t)kh * len + j0) * cout + cv * VW, cout, b == b0 && oh0 == 0);
        }
      }
    }
  }
  if (failed) return -1;
  if (chunks > 1) vk_sum_partials(dw, partials, chunks, filter);
  return 0;
}
