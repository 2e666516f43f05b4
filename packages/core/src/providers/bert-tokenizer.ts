import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../shared/errors.js';

/** A model folder's tokenizer: `tokenizer.json` run by @huggingface/tokenizers (pure JavaScript). */
export interface BertTokenizer {
  /** Token ids of `text`, without [CLS] and [SEP]. */
  encode(text: string): number[];
  readonly clsId: number;
  readonly sepId: number;
  /** `model_max_length` from `tokenizer_config.json`, when it states one. */
  readonly modelMaxLength: number | undefined;
  /**
   * True when pieces of a text cut at whitespace tokenize to the whole text's tokens, in order (WordPiece
   * after BERT's pre-tokenizer, which splits at whitespace and punctuation first): the tokens of a text
   * are then those of its sentences, which lets a caller tokenize each sentence once.
   */
  readonly additiveAtWhitespace: boolean;
}

/**
 * Loads the tokenizer of a model folder in the transformers.js layout (`tokenizer.json` and
 * `tokenizer_config.json` beside `onnx/`).
 * @throws ModelError `E_MODEL_LOAD` when the files are missing or hold no [CLS]/[SEP] tokens.
 */
export async function loadBertTokenizer(modelDir: string): Promise<BertTokenizer> {
  let tokenizer: Tokenizer;
  let config: Record<string, unknown>;
  let spec: { model?: { type?: string }; pre_tokenizer?: { type?: string } | null };
  try {
    const [json, configJson] = await Promise.all([
      readFile(join(modelDir, 'tokenizer.json'), 'utf8'),
      readFile(join(modelDir, 'tokenizer_config.json'), 'utf8').catch(() => '{}'),
    ]);
    config = JSON.parse(configJson) as Record<string, unknown>;
    spec = JSON.parse(json) as typeof spec;
    tokenizer = new Tokenizer(spec, config);
  } catch (error) {
    throw new ModelError('E_MODEL_LOAD', `Could not read the tokenizer of ${modelDir}.`, {
      cause: error,
      hint: 'Delete the cache directory to rebuild the model.',
    });
  }
  const special = (name: string, fallback: string) => {
    const token = typeof config[name] === 'string' ? (config[name] as string) : fallback;
    const id = tokenizer.token_to_id(token);
    if (id === undefined) {
      throw new ModelError('E_MODEL_LOAD', `The tokenizer of ${modelDir} has no ${token} token.`);
    }
    return id;
  };
  const maxLength = config.model_max_length;
  return {
    additiveAtWhitespace: spec.model?.type === 'WordPiece' && spec.pre_tokenizer?.type === 'BertPreTokenizer',
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    clsId: special('cls_token', '[CLS]'),
    sepId: special('sep_token', '[SEP]'),
    modelMaxLength:
      typeof maxLength === 'number' && Number.isInteger(maxLength) && maxLength > 0 ? maxLength : undefined,
  };
}
