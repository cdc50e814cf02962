import { CheckpointFormatError } from '@peftjs/core-tensor';

/** Size of the legacy llama2.c header: seven little-endian int32 values. */
export const LLAMA2C_HEADER_BYTES = 28;

/** Magic number that starts llama2.c's versioned exports (`export.py --version 1` and later): "ak42". */
const VERSIONED_EXPORT_MAGIC = 0x616b3432;

/** The header of a legacy (version 0) llama2.c checkpoint, as written by `export.py --version 0`. */
export interface Llama2cHeader {
  /** Width of the residual stream. */
  readonly dim: number;
  /** Width of the feed-forward block. */
  readonly hiddenDim: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  /** Vocabulary size (the absolute value of the stored field). */
  readonly vocabSize: number;
  /** Maximum sequence length the model was trained with, also the length of the stored RoPE tables. */
  readonly seqLen: number;
  /** True when the stored vocab_size was positive: the classifier reuses the token embedding. */
  readonly sharedClassifier: boolean;
}

/**
 * Parses and checks the header of a legacy llama2.c checkpoint.
 *
 * @param bytes The whole checkpoint file.
 * @throws CheckpointFormatError when the file is shorter than the header, is a versioned export,
 *   or has zero, negative or inconsistent dimensions.
 */
export function parseLlama2cHeader(bytes: Uint8Array): Llama2cHeader {
  if (bytes.byteLength < LLAMA2C_HEADER_BYTES) {
    throw new CheckpointFormatError(
      `The llama2.c checkpoint is truncated: it has ${bytes.byteLength} bytes but the header alone needs ` +
        `${LLAMA2C_HEADER_BYTES}. Download or export the file again.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, LLAMA2C_HEADER_BYTES);
  if (view.getUint32(0, true) === VERSIONED_EXPORT_MAGIC) {
    throw new CheckpointFormatError(
      `This is a versioned llama2.c export (magic "ak42", version ${view.getInt32(4, true)}); only the legacy ` +
        'float32 format is supported. Export it again with `python export.py out.bin --version 0`.',
    );
  }
  const fields = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'];
  const values = fields.map((_, i) => view.getInt32(4 * i, true));
  const [dim, hiddenDim, numLayers, numHeads, numKeyValueHeads, signedVocab, seqLen] = values as [
    number, number, number, number, number, number, number,
  ];

  fields.forEach((name, i) => {
    const value = name === 'vocab_size' ? Math.abs(values[i]!) : values[i]!;
    if (value <= 0) {
      throw new CheckpointFormatError(
        `The llama2.c checkpoint header has ${name} = ${values[i]}; every dimension must be positive ` +
          `(header: ${fields.map((f, j) => `${f}=${values[j]}`).join(', ')}). The file is not a legacy llama2.c checkpoint or is corrupt.`,
      );
    }
  });
  if (dim % numHeads !== 0) {
    throw new CheckpointFormatError(
      `The llama2.c checkpoint header has n_heads = ${numHeads}, which does not divide dim = ${dim}; the file is corrupt.`,
    );
  }
  if (numHeads % numKeyValueHeads !== 0) {
    throw new CheckpointFormatError(
      `The llama2.c checkpoint header has n_kv_heads = ${numKeyValueHeads}, which does not divide ` +
        `n_heads = ${numHeads}; the file is corrupt.`,
    );
  }
  if ((dim / numHeads) % 2 !== 0) {
    throw new CheckpointFormatError(
      `The llama2.c checkpoint header gives an odd head size dim / n_heads = ${dim / numHeads}; ` +
        'the rotary embedding needs an even head size, so the file is corrupt.',
    );
  }

  return {
    dim,
    hiddenDim,
    numLayers,
    numHeads,
    numKeyValueHeads,
    vocabSize: Math.abs(signedVocab),
    seqLen,
    sharedClassifier: signedVocab > 0,
  };
}

/**
 * Returns the number of float32 values of each tensor block, in file order, after the header.
 *
 * @param header A parsed legacy header.
 */
export function llama2cTensorSizes(header: Llama2cHeader): { name: string; count: number }[] {
  const { dim, hiddenDim, numLayers: layers, numHeads, numKeyValueHeads, vocabSize, seqLen } = header;
  const headSize = dim / numHeads;
  const kvDim = numKeyValueHeads * headSize;
  const blocks = [
    { name: 'token_embedding_table', count: vocabSize * dim },
    { name: 'rms_att_weight', count: layers * dim },
    { name: 'wq', count: layers * dim * dim },
    { name: 'wk', count: layers * kvDim * dim },
    { name: 'wv', count: layers * kvDim * dim },
    { name: 'wo', count: layers * dim * dim },
    { name: 'rms_ffn_weight', count: layers * dim },
    { name: 'w1', count: layers * hiddenDim * dim },
    { name: 'w2', count: layers * dim * hiddenDim },
    { name: 'w3', count: layers * hiddenDim * dim },
    { name: 'rms_final_weight', count: dim },
    { name: 'freq_cis_real', count: (seqLen * headSize) / 2 },
    { name: 'freq_cis_imag', count: (seqLen * headSize) / 2 },
  ];
  if (!header.sharedClassifier) blocks.push({ name: 'wcls', count: vocabSize * dim });
  return blocks;
}

/**
 * Returns the total file size in bytes that a header implies.
 *
 * @param header A parsed legacy header.
 */
export function expectedLlama2cFileBytes(header: Llama2cHeader): number {
  const floats = llama2cTensorSizes(header).reduce((sum, block) => sum + block.count, 0);
  return LLAMA2C_HEADER_BYTES + 4 * floats;
}
