"""wenyan-mtl: multi-task LoRA fine-tuning and task-gain analysis for Classical Chinese LLMs."""

__version__ = "0.1.0"
