/*
 * The convolutions of the native path in C, one call per kernel. Those whose channels fill whole
 * vectors go to the direct kernels of direct.c (vk_direct_takes decides); the others run here:
 * im2col / col2im, bias rows and activations around the BLAS GEMM, chunks of images spread
 * over OpenMP threads.
 * Loaded by ../ckernels.ts through koffi (built by scripts/build-c-kernels.js into
 * dist/native/libvaekernels.so; without it the TypeScript + WebAssembly SIMD loops of
 * ../layout.ts do the same work).
 *
 * Layout (as in ../layout.ts): x [B, H, W, C] (NHWC), filter [KH, KW, C, Cout] read as the
 * row-major matrix W[K, Cout], K = KH·KW·C, and for the images of one chunk
 *     col[n, (kh·KW + kw)·C + ci] = x[b, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci]  (0 outside)
 * with n = ((b − b0)·OH + oh)·OW + ow. Then
 *     forward          y[n, co]  = Σ_k col[n, k] · W[k, co] (+ bias[co]), then the activation
 *     filter gradient  dW[k, co] = Σ_n col[n, k] · dy[n, co]     (summed over chunks in order)
 *     input gradient   z[n, k]   = Σ_co dy[n, co] · W[k, co],  dx = col2im(z)
 * Every chunk is computed the same way whatever the thread count (same rows, same GEMM shapes,
 * the filter gradient's chunk sums added in chunk order), so results do not depend on threads.
 * The GEMM is the system BLAS's cblas_sgemm, found with dlsym in the library the JS side loaded
 * (vk_init); it must run single-threaded inside our threads (the JS side sets that).
 * Each vk_conv2d* returns 0, or −1 when a scratch buffer could not be allocated.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

#define ROW_MAJOR 101
#define NO_TRANS 111
#define TRANS 112

typedef void (*sgemm_fn)(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc);

static sgemm_fn sgemm = 0;

/* Finds cblas_sgemm in the already loaded BLAS library `path`; 1 on success. */
int vk_init(const char *path) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (!lib) lib = dlopen(path, RTLD_NOW);
  if (!lib) return 0;
  sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
  return sgemm != 0;
}

/* The number of threads OpenMP would use by default (for the status line). */
int vk_max_threads(void) {
#ifdef _OPENMP
  extern int omp_get_max_threads(void);
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/* A buffer of each thread that grows as needed and is kept between calls. */
typedef struct {
  float *data;
  size_t floats;
} buffer;

static float *grow(buffer *b, size_t floats) {
  if (floats > b->floats) {
    free(b->data);
    b->data = (float *)aligned_alloc(64, ((floats * sizeof(float)) + 63) & ~(size_t)63);
    b->floats = b->data ? floats : 0;
  }
  return b->data;
}

/* im2col / z of the chunk a thread works on. */
static __thread buffer chunk_scratch;
/* The filter gradient's per-chunk sums (on the calling thread). */
static __thread buffer chunk_partials;

float *vk_thread_scratch(size_t floats) { return grow(&chunk_scratch, floats); }
float *vk_shared_scratch(size_t floats) { return grow(&chunk_partials, floats); }

static int images_per_chunk(const geometry *g, long floats_per_image, long chunk_floats) {
  long n = floats_per_image > 0 ? chunk_floats / floats_per_image : g->batch;
  if (n < 1) n = 1;
  if (n > g->batch) n = g->batch;
  return (int)n;
}

int vk_pointwise(const geometry *g) {
  return g->k_h == 1 && g->k_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 && g->pad_left == 0 &&
         g->out_h == g->in_h && g->out_w == g->in_w;
}

static inline void add_into(float *restrict dst, const float *restrict src, int n) {
  for (int i = 0; i < n; i++) dst[i] += src[i];
}

void vk_sum_partials(float *dw, const float *partials, int chunks, size_t filter) {
  memcpy(dw, partials, filter * sizeof(float));
  for (int c = 1; c < chunks; c++) add_into(dw, partials + (size_t)c * filter, (int)filter);
}

/* One run of n floats between a row of col and the image: copied into col (gather), or added into the image. */
static inline void move_run(float *col, float *image, int n, int gather) {
  if (gather) memcpy(col, image, (size_t)n * sizeof(float));
  else add_into(image, col, n);
}

/*
 * The index pairs of im2col for images b0 … b0+nb−1, walked in pixel order:
 *   gather: col [nb·OH·OW, K] ← the images (zeros outside them)                   im2col
 *   else:   the images += col (every term added; terms outside dropped)           col2im
 * For a pixel whose KW taps all fall inside the row (dilation 1) they are KW·C consecutive
 * floats on both sides: one run instead of KW.
 */
static void im2col_pairs(float *images, float *col, const geometry *g, int b0, int nb, int gather) {
  const int C = g->in_c, KW = g->k_w, K = g->k_h * KW * C;
  float *d = col;
  for (int b = 0; b < nb; b++) {
    float *xb = images + (size_t)(b0 + b) * g->in_h * g->in_w * C;
    for (int oh = 0; oh < g->out_h; oh++) {
      for (int ow = 0; ow < g->out_w; ow++, d += K) {
        const int iw0 = ow * g->stride_w - g->pad_left;
        const int contiguous = g->dil_w == 1 && iw0 >= 0 && iw0 + KW <= g->in_w;
        for (int kh = 0; kh < g->k_h; kh++) {
          float *dk = d + (size_t)kh * KW * C;
          const int ih = oh * g->stride_h + kh * g->dil_h - g->pad_top;
          if (ih < 0 || ih >= g->in_h) {
            if (gather) memset(dk, 0, (size_t)KW * C * sizeof(float));
            continue;
          }
          float *xrow = xb + (size_t)ih * g->in_w * C;
          if (contiguous) {
            move_run(dk, xrow + (size_t)iw0 * C, KW * C, gather);
            continue;
          }
          for (int kw = 0; kw < KW; kw++) {
            const int iw = iw0 + kw * g->dil_w;
            if (iw >= 0 && iw < g->in_w) move_run(dk + kw * C, xrow + (size_t)iw * C, C, gather);
            else if (gather) memset(dk + kw * C, 0, (size_t)C * sizeof(float));
          }
        }
      }
    }
  }
}

/*
 * The A matrix of a chunk's GEMM: x itself for a pointwise convolution, else the chunk's im2col
 * in this thread's scratch; null if the scratch could not be allocated.
 */
static const float *chunk_columns(const float *x, const geometry *g, int b0, int nb, int pointwise) {
  const size_t K = (size_t)g->k_h * g->k_w * g->in_c, pixels = (size_t)g->out_h * g->out_w;
  if (pointwise) return x + (size_t)b0 * pixels * K;
  float *col = vk_thread_scratch((size_t)nb * pixels * K);
  if (col) im2col_pairs((float *)x, col, g, b0, nb, 1); /* gather only reads x */
  return col;
}

/* In place: 1 relu, 2 leaky relu (y = y > 0 ? y : α·y in float32), 0 nothing. */
static void activate(float *y, size_t n, int activation, float alpha) {
  if (activation == 1) {
    for (size_t i = 0; i < n; i++) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
  } else if (activation == 2) {
    vk_leaky_relu(y, y, (long)n, alpha, 1); /* in place, vectorised (elementwise.c) */
  }
}

void vk_bias_activate(float *y, size_t rows, int cols, const float *bias, int activation, float alpha) {
  if (bias)
    for (size_t r = 0; r < rows; r++) add_into(y + r * cols, bias, cols);
  activate(y, rows * cols, activation, alpha);
}

/* y = act(conv(x, w) + bias); bias may be null. */
int vk_conv2d(const float *x, const float *w, const float *bias, float *y, const int *geo, int activation, float alpha,
               int threads, int chunk_floats) {
  const geometry *g = (const geometry *)geo;
  const int K = g->k_h * g->k_w * g->in_c, cout = g->out_c, pixels = g->out_h * g->out_w;
  if (g->batch == 0 || pixels == 0 || cout == 0) return 0;
  int failed = 0;
  const int pointwise = vk_pointwise(g);
  if (vk_direct_takes(g, DIRECT_FORWARD)) return vk_direct_conv2d(x, w, bias, y, g, activation, alpha, threads);
  const int per_chunk = pointwise ? g->batch : images_per_chunk(g, (long)pixels * K, chunk_floats);
  const int chunks = (g->batch + per_chunk - 1) / per_chunk;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && chunks > 1)
  for (int c = 0; c < chunks; c++) {
    const int b0 = c * per_chunk;
    const int nb = b0 + per_chunk <= g->batch ? per_chunk : g->batch - b0;
    const int rows = nb * pixels;
    float *yc = y + (size_t)b0 * pixels * cout;
    if (bias)
      for (int r = 0; r < rows; r++) memcpy(yc + (size_t)r * cout, bias, (size_t)cout * sizeof(float));
    if (K == 0) {
      if (!bias) memset(yc, 0, (size_t)rows * cout * sizeof(float));
    } else {
      const float *a = chunk_columns(x, g, b0, nb, pointwise);
      if (!a) {
#pragma omp atomic write
        failed = 1;
        continue;
      }
      sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, rows, cout, K, 1.0f, a, K, w, cout, bias ? 1.0f : 0.0f, yc, cout);
    }
    activate(yc, (size_t)rows * cout, activation, alpha);
  }
  return failed ? -1 : 0;
}

/*
 * dx = act(the input gradient of conv(x, w) for dy + bias): with bias null and activation 0 the
 * input gradient, else the forward pass of a transposed convolution with its bias and activation.
 */
int vk_conv2d_backprop_input(const float *dy, const float *w, const float *bias, float *dx, const int *geo, int activation,
                             float alpha, int threads, int chunk_floats) {
  const geometry *g = (const geometry *)geo;
  const int K = g->k_h * g->k_w * g->in_c, cout = g->out_c, pixels = g->out_h * g->out_w;
  const size_t image = (size_t)g->in_h * g->in_w * g->in_c;
  const int pointwise = vk_pointwise(g);
  if (vk_direct_takes(g, DIRECT_INPUT_GRADIENT)) return vk_direct_backprop_input(dy, w, bias, dx, g, activation, alpha, threads);
  const int per_chunk = pointwise ? g->batch : images_per_chunk(g, (long)pixels * K, chunk_floats);
  const int chunks = g->batch == 0 ? 0 : (g->batch + per_chunk - 1) / per_chunk;
  int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && chunks > 1)
  for (int c = 0; c < chunks; c++) {
    const int b0 = c * per_chunk;
    const int nb = b0 + per_chunk <= g->batch ? per_chunk : g->batch - b0;
    const int rows = nb * pixels;
    float *dxc = dx + (size_t)b0 * image;
    if (pointwise && cout > 0) {
      sgemm(ROW_MAJOR, NO_TRANS, TRANS, rows, K, cout, 1.0f, dy + (size_t)b0 * pixels * cout, cout, w, cout, 0.0f, dxc, K);
    } else {
      memset(dxc, 0, (size_t)nb * image * sizeof(float));
      if (K > 0 && pixels > 0 && cout > 0) {
        float *z = vk_thread_scratch((size_t)rows * K);
        if (!z) {
#pragma omp atomic write
          failed = 1;
          continue;
        }
        sgemm(ROW_MAJOR, NO_TRANS, TRANS, rows, K, cout, 1.0f, dy + (size_t)b0 * pixels * cout, cout, w, cout, 0.0f, z, K);
        im2col_pairs(dx, z, g, b0, nb, 0);
      }
    }
    vk_bias_activate(dxc, (size_t)nb * g->in_h * g->in_w, g->in_c, bias, activation, alpha);
  }
  return failed ? -1 : 0;
}

/*
 * dw = the filter gradient of conv(x, w) for dy. Each chunk's colᵀ·dy goes into its own slice of
 * a [chunks, K, Cout] buffer and the slices are summed in chunk order; one chunk writes dw directly.
 */
int vk_conv2d_backprop_filter(const float *x, const float *dy, float *dw, const int *geo, int threads, int chunk_floats) {
  const geometry *g = (const geometry *)geo;
  const int K = g->k_h * g->k_w * g->in_c, cout = g->out_c, pixels = g->out_h * g->out_w;
  const size_t filter = (size_t)K * cout;
  if (filter == 0) return 0;
  if (g->batch == 0 || pixels == 0) {
    memset(dw, 0, filter * sizeof(float));
    return 0;
  }
  int failed = 0;
  const int pointwise = vk_pointwise(g);
  if (vk_direct_takes(g, DIRECT_FILTER_GRADIENT)) return vk_direct_backprop_filter(x, dy, dw, g, threads);
  const int per_chunk = pointwise ? g->batch : images_per_chunk(g, (long)pixels * K, chunk_floats);
  const int chunks = (g->batch + per_chunk - 1) / per_chunk;
  float *partials = chunks > 1 ? grow(&chunk_partials, (size_t)chunks * filter) : 0;
  if (chunks > 1 && !partials) return -1;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && chunks > 1)
  for (int c = 0; c < chunks; c++) {
    const int b0 = c * per_chunk;
    const int nb = b0 + per_chunk <= g->batch ? per_chunk : g->batch - b0;
    const int rows = nb * pixels;
    const float *a = chunk_columns(x, g, b0, nb, pointwise);
    if (!a) {
#pragma omp atomic write
      failed = 1;
      continue;
    }
    float *out = chunks == 1 ? dw : partials + (size_t)c * filter;
    sgemm(ROW_MAJOR, TRANS, NO_TRANS, K, cout, rows, 1.0f, a, K, dy + (size_t)b0 * pixels * cout, cout, 0.0f, out, cout);
  }
  if (failed) return -1;
  if (chunks > 1) vk_sum_partials(dw, partials, chunks, filter);
  return 0;
}
