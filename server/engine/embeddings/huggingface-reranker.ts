import { InferenceClient } from '@huggingface/inference';
import type { HuggingFaceProviderConfig } from '../experiment-config.ts';
import type { ConcurrencyWindow } from '../providers/adaptive-limiter.ts';
import { callHuggingFace } from '../providers/huggingface.ts';
import { ProviderCallError } from '../providers/provider-error.ts';
import { callWithRetry, type RetryPolicy } from '../providers/retry.ts';
import type { Reranker } from '../retrieval/reranker.ts';

/** Labels a two-class cross-encoder gives the "relevant" class. */
const RELEVANT_LABELS = /^(label_1|1|relevant|entailment|yes|true)$/i;

/**
 * A Hugging Face cross-encoder (e.g. cross-encoder/ms-marco-MiniLM-L-6-v2, BAAI/bge-reranker-base)
 * through text classification: one `{ text: query, text_pair: passage }` request per candidate, each
 * through the shared retry layer and the endpoint's adaptive window (the library's own retry is off).
 * A one-label model's score is the relevance; a two-label model's is that of its "relevant" label.
 */
export class HuggingFaceReranker implements Reranker {
  private readonly client: InferenceClient;

  constructor(
    /** Names the model and where it runs (endpoint + model), as the embedder's identity does. */
    readonly identity: string,
    private readonly config: Pick<HuggingFaceProviderConfig, 'hfProvider' | 'endpointUrl'>,
    private readonly model: string,
    token: string | null,
    private readonly policy: RetryPolicy,
    private readonly limiter: ConcurrencyWindow | null,
  ) {
    this.client = new InferenceClient(token ?? undefined);
  }

  score(query: string, passages: readonly string[], signal?: AbortSignal): Promise<number[]> {
    return Promise.all(
      passages.map(async (passage) => {
        const { value } = await callWithRetry(
          (attemptSignal) => this.scoreOne(query, passage, attemptSignal),
          { policy: this.policy, limiter: this.limiter, signal },
        );
        return value;
      }),
    );
  }

  private async scoreOne(query: string, passage: string, signal: AbortSignal): Promise<number> {
    const { endpointUrl, hfProvider } = this.config;
    const output = await callHuggingFace(signal, (fetch) =>
      this.client.textClassification(
        {
          model: this.model,
          // A sentence pair, as cross-encoders take it; the typings only know single texts.
          inputs: { text: query, text_pair: passage } as unknown as string,
          ...(endpointUrl ? { endpointUrl } : { provider: (hfProvider ?? 'auto') as 'auto' }),
        },
        { retry_on_error: false, signal, fetch },
      ),
    );
    const only = output.length === 1 ? output[0] : undefined;
    const relevant = only ?? output.find((item) => RELEVANT_LABELS.test(item.label));
    if (typeof relevant?.score !== 'number') {
      throw new ProviderCallError(
        `text classification answered labels ${output.map((item) => item.label).join(', ') || '(none)'}; a reranker needs one score, or a LABEL_1/relevant label`,
        'invalid_response',
      );
    }
    return relevant.score;
  }
}
