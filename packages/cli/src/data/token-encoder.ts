/** The part of a tokenizer that encoding examples needs (`Llama2cTokenizer` has it). */
export interface TokenEncoder {
  encode(text: string, options?: { bos?: boolean }): number[];
}
