"""What a run folder holds and how it is read and written: the files and their typed schema (`records`), reading a
file without trusting it (`reading`), one folder (`folder`), listing runs (`listing`) and whether their workers live
(`liveness`), the progress log (`progress_log`), the snapshots of
the grid digits (`snapshots`), and a run's curves and record made shareable (`export`). Standard
library and numpy only; never starts a process."""
