package org.spdz4j.accel;

/**
 * A device call failed: carries the library's error code and its text (for CUDA, the
 * {@code cudaError_t} and {@code cudaGetErrorString}) and names the operation.
 *
 * <pre>{@code
 * try { t.matmul(u, false, false).hiWords(); } catch (DeviceException e) { log.error(e.getMessage()); }
 * }</pre>
 */
public final class DeviceException extends RuntimeException {
    /** The library's error code. */
    private final int code;

    DeviceException(String device, int code, String text, String operation) {
        super(device + " error " + code + " (" + text + ") in " + operation);
        this.code = code;
    }

    /** The library's error code: CUDA's cudaError_t when positive. */
    public int code() {
        return code;
    }
}
