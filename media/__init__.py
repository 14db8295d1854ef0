"""Evidence media: content-addressed blob stores, tus 1.0 resumable uploads, EXIF, derivatives.

Knows nothing of cases: the backend passes in what it needs (a store, settings, callbacks).
"""
