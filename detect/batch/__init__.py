"""`detect batch`: one config over a fleet of video files, resumable, on a local process pool
or a Ray cluster (inputs, completion records, the worker, two engines, the summary)."""
