import * as tf from '@tensorflow/tfjs';

import { CheckpointFormatError } from '@peftjs/core-tensor';

import { readBinarySource, type BinarySource } from '../data/binary-source';
import { LlamaForCausalLM } from '../llama/causal-lm';
import type { LlamaConfig } from '../llama/config';
import {
  expectedLlama2cFileBytes,
  LLAMA2C_HEADER_BYTES,
  llama2cTensorSizes,
  parseLlama2cHeader,
  type Llama2cHeader,
} from './header';
import { pairedToRotateHalfRows } from './rotary-permutation';

/** The llama2.c settings that its header does not store: run.c hard-codes them. */
const LLAMA2C_RMS_NORM_EPS = 1e-5;
const LLAMA2C_ROPE_THETA = 10000;
const LLAMA2C_BOS = 1;
const LLAMA2C_EOS = 2;

/**
 * Returns the Hugging Face style configuration of a llama2.c checkpoint header.
 *
 * @param header A parsed legacy header.
 */
export function llama2cHeaderToConfig(header: Llama2cHeader): LlamaConfig {
  return {
    hidden_size: header.dim,
    intermediate_size: header.hiddenDim,
    num_hidden_layers: header.numLayers,
    num_attention_heads: header.numHeads,
    num_key_value_heads: header.numKeyValueHeads,
    vocab_size: header.vocabSize,
    max_position_embeddings: header.seqLen,
    rms_norm_eps: LLAMA2C_RMS_NORM_EPS,
    rope_theta: LLAMA2C_ROPE_THETA,
    tie_word_embeddings: header.sharedClassifier,
    bos_token_id: LLAMA2C_BOS,
    eos_token_id: LLAMA2C_EOS,
  };
}

/**
 * Loads a legacy (version 0) llama2.c checkpoint, as read by `run.c`, into a
 * {@link LlamaForCausalLM} with Hugging Face parameter names.
 *
 * The query and key rows are reordered from llama2.c's adjacent-pair rotary layout into Hugging
 * Face's rotate-half layout, so the loaded model can be saved as a Hugging Face checkpoint. The
 * stored RoPE tables are skipped, as `run.c` does. llama2.c does not store the RMSNorm epsilon,
 * RoPE base or special tokens, so the config uses run.c's values: 1e-5, 10000, BOS 1 and EOS 2.
 *
 * @param source File path (Node), `ArrayBuffer` or `Uint8Array` of the `.bin` file.
 * @returns A model in evaluation mode; the caller owns it and must `dispose()` it.
 * @throws CheckpointFormatError when the header is invalid or the file size does not match it.
 */
export async function loadLlama2cCheckpoint(source: BinarySource): Promise<LlamaForCausalLM> {
  const bytes = await readBinarySource(source, 'llama2.c checkpoint');
  const header = parseLlama2cHeader(bytes);
  const expected = expectedLlama2cFileBytes(header);
  if (bytes.byteLength !== expected) {
    const reason = bytes.byteLength < expected ? 'is truncated' : 'has trailing bytes';
    throw new CheckpointFormatError(
      `The llama2.c checkpoint ${reason}: its header (dim=${header.dim}, hidden_dim=${header.hiddenDim}, ` +
        `n_layers=${header.numLayers}, n_heads=${header.numHeads}, n_kv_heads=${header.numKeyValueHeads}, ` +
        `vocab_size=${header.vocabSize}${header.sharedClassifier ? '' : ' (untied classifier)'}, ` +
        `seq_len=${header.seqLen}) implies ${expected} bytes but the file has ${bytes.byteLength}. ` +
        'Download or export the file again.',
    );
  }

  const floats = readFloat32(bytes, LLAMA2C_HEADER_BYTES, (expected - LLAMA2C_HEADER_BYTES) / 4);
  const model = new LlamaForCausalLM(llama2cHeaderToConfig(header));
  const tensors = new Map<string, tf.Tensor>();
  try {
    collectTensors(header, floats, tensors);
    model.loadParameters(tensors);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return model.eval();
}

/** Fills `out` with one tensor per Hugging Face parameter, cut from the checkpoint's float blocks. */
function collectTensors(header: Llama2cHeader, floats: Float32Array, out: Map<string, tf.Tensor>): void {
  const { dim, hiddenDim, numLayers, numHeads, numKeyValueHeads } = header;
  const headDim = dim / numHeads;
  const kvDim = numKeyValueHeads * headDim;

  const blocks = new Map<string, Float32Array>();
  let offset = 0;
  for (const { name, count } of llama2cTensorSizes(header)) {
    blocks.set(name, floats.subarray(offset, offset + count));
    offset += count;
  }
  const layerSlice = (name: string, layer: number, size: number): Float32Array =>
    blocks.get(name)!.subarray(layer * size, (layer + 1) * size);

  out.set('model.embed_tokens.weight', tf.tensor2d(blocks.get('token_embedding_table')!, [header.vocabSize, dim]));
  for (let l = 0; l < numLayers; l++) {
    const prefix = `model.layers.${l}`;
    const wq = pairedToRotateHalfRows(layerSlice('wq', l, dim * dim), numHeads, headDim, dim);
    const wk = pairedToRotateHalfRows(layerSlice('wk', l, kvDim * dim), numKeyValueHeads, headDim, dim);
    out.set(`${prefix}.input_layernorm.weight`, tf.tensor1d(layerSlice('rms_att_weight', l, dim)));
    out.set(`${prefix}.self_attn.q_proj.weight`, tf.tensor2d(wq, [dim, dim]));
    out.set(`${prefix}.self_attn.k_proj.weight`, tf.tensor2d(wk, [kvDim, dim]));
    out.set(`${prefix}.self_attn.v_proj.weight`, tf.tensor2d(layerSlice('wv', l, kvDim * dim), [kvDim, dim]));
    out.set(`${prefix}.self_attn.o_proj.weight`, tf.tensor2d(layerSlice('wo', l, dim * dim), [dim, dim]));
    out.set(`${prefix}.post_attention_layernorm.weight`, tf.tensor1d(layerSlice('rms_ffn_weight', l, dim)));
    // llama2.c computes w2(silu(w1 x) * w3 x): w1 is the gate, w3 the up projection.
    out.set(`${prefix}.mlp.gate_proj.weight`, tf.tensor2d(layerSlice('w1', l, hiddenDim * dim), [hiddenDim, dim]));
    out.set(`${prefix}.mlp.up_proj.weight`, tf.tensor2d(layerSlice('w3', l, hiddenDim * dim), [hiddenDim, dim]));
    out.set(`${prefix}.mlp.down_proj.weight`, tf.tensor2d(layerSlice('w2', l, dim * hiddenDim), [dim, hiddenDim]));
  }
  out.set('model.norm.weight', tf.tensor1d(blocks.get('rms_final_weight')!));
  if (!header.sharedClassifier) {
    out.set('lm_head.weight', tf.tensor2d(blocks.get('wcls')!, [header.vocabSize, dim]));
  }
}

/** Reads `count` little-endian float32 values starting at byte `offset`. */
function readFloat32(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const start = bytes.byteOffset + offset;
  if (isLittleEndianHost() && start % 4 === 0) return new Float32Array(bytes.buffer, start, count);
  const view = new DataView(bytes.buffer, start, count * 4);
  const result = new Float32Array(count);
  for (let i = 0; i < count; i++) result[i] = view.getFloat32(4 * i, true);
  return result;
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
