"""The pure domain core: content model, plans, local times, quiet hours, FAQ matching,
triage, texts. No I/O, no clock reads, no database or Telegram (content files are read by
storage/content_reader.py)."""
