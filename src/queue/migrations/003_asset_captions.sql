-- Sidecar caption files found beside an asset's source when it was added (`trip.srt`,
-- `trip.en.vtt`): a JSON array of {"path", "language", "format"}; NULL when there are none.
ALTER TABLE assets ADD COLUMN captions_json TEXT;
