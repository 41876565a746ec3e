import { FrameDecoder, parseSentence, type ReasonCode, RejectCounter, type Sentence } from '@aisle/protocols';

export interface SerialDecodeReport {
  readonly frames: number;
  readonly sentences: number;
  readonly garbageBytes: number;
  readonly rejects: Partial<Record<ReasonCode, number>>;
}

/**
 * Decodes a captured serial byte stream (a scale's or a GPS module's output) into sentences,
 * counting every rejected frame and sentence by reason: the same path the gateway's serial
 * inputs take, usable on a capture file in the field.
 */
export async function decodeSerialCapture(
  chunks: AsyncIterable<Uint8Array>,
  onSentence: (sentence: Sentence) => void,
): Promise<SerialDecodeReport> {
  const decoder = new FrameDecoder();
  const sentenceRejects = new RejectCounter();
  let sentences = 0;
  for await (const chunk of chunks) {
    for (const frame of decoder.push(chunk)) {
      const result = parseSentence(frame);
      if (result.ok) {
        sentences++;
        onSentence(result.value);
      } else {
        sentenceRejects.add(result.error.code);
      }
    }
  }
  decoder.end();
  const { frames, garbageBytes, rejects } = decoder.stats;
  return { frames, sentences, garbageBytes, rejects: { ...rejects, ...sentenceRejects.snapshot() } };
}
