export * from '../tokenizers';
export {
  createBertConfig,
  validateBertConfig,
  bertHeadDim,
  REQUIRED_BERT_FIELDS,
  type BertConfig,
  type BertConfigInput,
} from './config';
export { parseBertConfigJson, bertConfigToJson } from './config-json';
export { MASKED_SCORE as BERT_MASKED_SCORE, extendedAttentionMask } from './attention-mask';
export { BertEmbeddings } from './embeddings';
export { BertSelfAttention, BertSelfOutput, BertAttention } from './attention';
export { BertIntermediate, BertOutput } from './feed-forward';
export { BertLayer, BertEncoder } from './encoder';
export { BertPooler } from './pooler';
export { BertModel, type BertForwardOptions, type BertModelOutput, type BertModelOptions } from './bert-model';
export { BertForSequenceClassification } from './sequence-classification';
export { encodingsToTensors, type BertInputs } from './inputs';
export { bertCheckpointKeys, bertEncoderKeys, type BertArchitecture } from './checkpoint-keys';
export { mapBertCheckpoint, type BertCheckpointMapping, type IgnoredKey, type MapBertCheckpointOptions } from './checkpoint-map';
export { type BertCheckpointFiles } from './checkpoint-files';
export { loadHuggingFaceBert, type LoadBertOptions } from './load';
export { saveHuggingFaceBert, serializeHuggingFaceBert, type SerializedBertCheckpoint } from './save';
export {
  TINY_BERT_CONFIG,
  createTinyRandomBert,
  createTinyRandomBertForSequenceClassification,
  writeTinyRandomBertCheckpoint,
} from './tiny';
