"""The model stage: tiny base model, LoRA continued pretraining and LoRA fine-tuning.

Submodules import torch and transformers, so this package imports nothing
eagerly, and lightweight callers (the workflow's rule parsing, the CLI) stay fast.
"""
