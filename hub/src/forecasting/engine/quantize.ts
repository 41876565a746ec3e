import type * as tf from '@tensorflow/tfjs';

export type WeightQuantization = 'float32' | 'float16' | 'uint8';

/**
 * Post-training weight quantization in the tfjs weights-manifest format, which every tfjs loader
 * dequantizes on load (so the edge needs nothing special): `uint8` affine per tensor
 * (w ≈ min + q·scale, q ∈ 0…255, a quarter of the bytes) and `float16` (half the bytes, IEEE 754
 * half precision, round to nearest even). Only float32 tensors are quantized; others pass through.
 */
export function quantizeArtifacts(artifacts: tf.io.ModelArtifacts, quant: WeightQuantization): tf.io.ModelArtifacts {
  if (quant === 'float32') return artifacts;
  const specs = artifacts.weightSpecs ?? [];
  const data = weightBytes(artifacts);
  const parts: Uint8Array[] = [];
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((n, d) => n * d, 1);
    const bytes = spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 * count : count;
    const slice = data.subarray(offset, offset + bytes);
    offset += bytes;
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
      parts.push(slice);
      outSpecs.push(spec);
      continue;
    }
    const values = new Float32Array(slice.buffer.slice(slice.byteOffset, slice.byteOffset + slice.byteLength));
    if (quant === 'float16') {
      const half = new Uint16Array(count);
      for (let i = 0; i < count; i++) half[i] = toFloat16(values[i] as number);
      parts.push(new Uint8Array(half.buffer));
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (count === 0) min = max = 0;
      const scale = max > min ? (max - min) / 255 : 1;
      const q = new Uint8Array(count);
      for (let i = 0; i < count; i++) q[i] = Math.round(((values[i] as number) - min) / scale);
      parts.push(q);
      outSpecs.push({ ...spec, quantization: { dtype: 'uint8', scale, min } });
    }
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    weightData.set(p, at);
    at += p.byteLength;
  }
  return { ...artifacts, weightSpecs: outSpecs, weightData: weightData.buffer };
}

/** The artifacts' weights as one byte array (tfjs may hold them as one buffer or several). */
export function weightBytes(artifacts: tf.io.ModelArtifacts): Uint8Array {
  const data = artifacts.weightData;
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data as ArrayBuffer);
  const buffers = data as ArrayBuffer[];
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even; overflow to ±∞, NaN kept. */
export function toFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in, round to nearest even.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midway = 1 << (shift - 1);
    return sign | (half + (rest > midway || (rest === midway && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // Rounding may carry into the exponent, which is the right result (up to ∞).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}
