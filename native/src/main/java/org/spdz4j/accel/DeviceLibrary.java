package org.spdz4j.accel;

import com.sun.jna.Library;

/**
 * JNA binding of the device API (ring128_device_ops.inc): implemented by the CUDA library
 * {@code libspdz4j_cuda.so} and by its host emulation {@code libspdz4j_devhost.so}. Device
 * addresses travel as {@code long}; a tensor of n elements is a buffer of 2n words. Every
 * function returns 0 or an error code that {@link #r128d_error_string} explains.
 */
interface DeviceLibrary extends Library {

    int r128d_init(byte[] name, int length);

    String r128d_error_string(int code);

    int r128d_alloc(long n, long[] address);

    int r128d_free(long address);

    /** Host memory a GPU's copy engine reads directly (page-locked); plain memory on the host libraries. */
    int r128d_host_alloc(long words, long[] address);

    int r128d_host_free(long address);

    /** The 2n words (high, then low) of a tensor from host memory of {@link #r128d_host_alloc}. */
    int r128d_upload_staged(long address, long staged, long n);

    /** The 2n words of a tensor into host memory of {@link #r128d_host_alloc}, after the kernels before. */
    int r128d_download_staged(long address, long staged, long n);

    int r128d_sync();

    int r128d_fill(long out, long n, long value);

    int r128d_add(long a, long b, long out, long n);

    int r128d_sub(long a, long b, long out, long n);

    int r128d_mul(long a, long b, long out, long n);

    /** Per element, a's where bit i of the words at {@code bits} is 0, b's where it is 1. */
    int r128d_select(long bits, long a, long b, long out, long n);

    /** Each of a's n elements AND the 128-bit constant (hi, lo), into out. */
    int r128d_and(long a, long hi, long lo, long out, long n);

    /** a's n elements with words [from, to) cleared (word 2i the low word of element i, 2i + 1 its high word), into out. */
    int r128d_clear_words(long a, long from, long to, long out, long n);

    /** n signed integers from {@code rows} bit rows of a (an elements) from word {@code first} on (as clear_words numbers words). */
    int r128d_from_bit_rows(long a, long an, long first, int rows, long out, long n);

    /** The low {@code bits} bits of a's {@code an} elements packed in a stream, into out's n elements (two words each, low first). */
    int r128d_pack(long a, long an, int bits, long out, long n);

    /** mine's n elements plus the fields of {@code bits} bits packed in p (pn elements), sign-extended, into out. */
    int r128d_add_packed(long mine, long p, long pn, int bits, long out, long n);

    /** A bit per element of a (an), set outside the signed [low, high), 128 to each of out's n elements (low word first). */
    int r128d_outside(long a, long an, long lowHi, long lowLo, long highHi, long highLo, long out, long n);

    /** Bit rows 0 .. rows-1 of a's an elements (ceil(an / 64) words a row), two words to each of out's n elements. */
    int r128d_bit_rows(long a, long an, int rows, long out, long n);

    /** Elements [offset, offset + n) of a (an elements) into out. */
    int r128d_slice(long a, long an, long offset, long out, long n);

    /** a's n elements into out (on elements) from element offset. */
    int r128d_place(long a, long n, long out, long on, long offset);

    /** Element i: a's element plus[i] (0 where -1) minus minus[i] (nothing where -1; minus 0 for none); int32 indices. */
    int r128d_map(long a, long an, long plus, long minus, long out, long n);

    int r128d_beaver(int withOpenedProduct, long e, long f, long a, long b, long c, long out, long n);

    int r128d_shr(long a, int bits, long out, long n);

    int r128d_shl(long a, int bits, long out, long n);

    int r128d_matmul(long a, int transA, long b, int transB, int m, int k, int n, long out);

    int r128d_im2col(long a, int batch, int channels, int height, int width, int kernel, int stride, int padding,
                     long out);

    int r128d_col2im(long a, int batch, int channels, int height, int width, int kernel, int stride, int padding,
                     long out);

    int r128d_sum_pool(long a, long planes, int height, int width, int k, long out);

    int r128d_repeat(long a, long planes, int height, int width, int k, long out);

    int r128d_swap(long a, int na, int nb, long plane, long out);

    int r128d_row_sums(long a, int rows, int cols, long out);

    int r128d_broadcast_rows(long a, int rows, int cols, long out);

    int r128d_broadcast_columns(long a, int rows, int cols, long out);

    /** 1 when the library has the AES-NI keystream kernel and the CPU runs it (native host library only). */
    int r128d_has_aes();

    /** Every kernel's thread count from now on, 0 for OpenMP's default; returns the count in use (native host library only). */
    int r128d_set_threads(int threads);

    int r128d_aes_ctr(byte[] key, byte[] counter, long out, long n);
}
