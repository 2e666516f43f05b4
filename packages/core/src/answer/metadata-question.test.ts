import { describe, expect, it } from 'vitest';
import { metadataField } from './metadata-question.js';

describe('metadataField', () => {
  it('recognises questions about the article itself', () => {
    expect(metadataField('When was this article published?')).toBe('publishedAt');
    expect(metadataField('What is the publication date of the story?')).toBe('publishedAt');
    expect(metadataField('Who wrote the bike lane story?')).toBe('byline');
    expect(metadataField('Who is the author of this article?')).toBe('byline');
    expect(metadataField('Which publication ran the story about the police?')).toBe('siteName');
    expect(metadataField("What's the headline of the article?")).toBe('title');
  });

  it('leaves questions about what the article reports to the reader', () => {
    expect(metadataField('When was the treaty signed?')).toBeUndefined();
    expect(metadataField('Who won Super Bowl 50?')).toBeUndefined();
    expect(metadataField('When did the Ministry announce the plan?')).toBeUndefined();
    expect(metadataField('Who wrote the Ninety-five Theses?')).toBeUndefined();
    expect(metadataField('Who is the author of the letter?')).toBeUndefined();
  });
});
