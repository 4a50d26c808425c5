"""Analysis of the fine-tuning results: how much each auxiliary task helps or hurts each main task.

From a score matrix (row = main task, column = auxiliary task, diagonal = the
single-task run) the package derives the gain-rate matrix, the stability and
ten-task tables, the task-type synergy counts and the heatmap. With per-item
statistics it adds a paired bootstrap over test items with Benjamini-Hochberg
correction, and with several seeds the mean and standard deviation of every cell.
"""
