"""LoRA wrapping with a check that every configured target module was wrapped.

peft (0.21) raises only when no configured name matches; a misspelt name next to
valid ones is silently ignored. `wrap_with_lora` rejects unknown names before
wrapping and checks the wrapped modules afterwards.
"""

from __future__ import annotations

import logging

log = logging.getLogger("wenyan_mtl.model")

ALL_LINEAR = "all-linear"


def linear_module_names(model) -> dict[str, str]:
    """Map the full name of every Linear layer except the output head to its last name part."""
    import torch

    output_head = model.get_output_embeddings()
    names = {}
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and module is not output_head:
            names[name] = name.rsplit(".", 1)[-1]
    return names


def resolve_target_modules(model, target_modules) -> list[str]:
    """Check configured target modules against the model and return them as a list.

    A name matches a module whose full name equals it or ends with `.name`, as in peft.
    """
    if isinstance(target_modules, str):
        if target_modules == ALL_LINEAR:
            return [ALL_LINEAR]
        target_modules = [target_modules]
    if not target_modules:
        raise ValueError("lora.target_modules is empty; list module names or use 'all-linear'")
    modules = [(name, module) for name, module in model.named_modules() if name]
    unknown = []
    unsupported = []
    for target in target_modules:
        matched = [module for name, module in modules if name == target or name.endswith("." + target)]
        if not matched:
            unknown.append(target)
        elif not any(isinstance(module, _lora_module_types()) for module in matched):
            unsupported.append(f"{target!r} ({type(matched[0]).__name__})")
    linear = ", ".join(sorted(set(linear_module_names(model).values())))
    if unknown:
        raise ValueError(
            f"lora.target_modules: {', '.join(map(repr, unknown))} match no module of the model; "
            f"its linear layers are named {linear} (or use 'all-linear')"
        )
    if unsupported:
        raise ValueError(
            f"lora.target_modules: {', '.join(unsupported)} name layers that LoRA cannot wrap; "
            f"its linear layers are named {linear} (or use 'all-linear')"
        )
    return list(target_modules)


def _lora_module_types() -> tuple:
    """Layer types that peft (0.21) LoRA can wrap."""
    import torch
    from transformers.pytorch_utils import Conv1D

    return (torch.nn.Linear, torch.nn.Embedding, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d,
            torch.nn.MultiheadAttention, Conv1D)


def build_lora_config(settings: dict, target_modules):
    from peft import LoraConfig, TaskType

    return LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=int(settings.get("r", 64)),
        lora_alpha=float(settings.get("alpha", 128)),
        lora_dropout=float(settings.get("dropout", 0.05)),
        target_modules=ALL_LINEAR if target_modules == [ALL_LINEAR] else target_modules,
        bias="none",
    )


def check_wrapped(peft_model, targets: list[str], linear_before: dict[str, str]) -> list[str]:
    """Raise unless each target wrapped at least one module (every linear layer for all-linear)."""
    from peft.tuners.lora import LoraLayer

    wrapped = [name for name, module in peft_model.named_modules() if isinstance(module, LoraLayer)]
    # peft prefixes names with base_model.model., so compare on name suffixes.
    if targets == [ALL_LINEAR]:
        missing = [name for name in linear_before if not any(w.endswith("." + name) for w in wrapped)]
        if missing:
            raise RuntimeError(f"LoRA all-linear left linear layers unwrapped: {', '.join(missing[:10])}")
    else:
        missing = [target for target in targets if not any(w.endswith("." + target) for w in wrapped)]
        if missing:
            raise RuntimeError(f"LoRA target module(s) {', '.join(missing)} were not wrapped")
    return wrapped


def wrap_with_lora(model, settings: dict):
    """Wrap `model` with LoRA adapters from a config `lora` section and check the result."""
    from peft import get_peft_model

    targets = resolve_target_modules(model, settings.get("target_modules", ALL_LINEAR))
    linear_before = linear_module_names(model)
    peft_model = get_peft_model(model, build_lora_config(settings, targets))
    wrapped = check_wrapped(peft_model, targets, linear_before)
    trainable, total = peft_model.get_nb_trainable_parameters()
    log.info(
        "LoRA r=%s on %d modules (%s): %d trainable of %d parameters",
        settings.get("r", 64),
        len(wrapped),
        ", ".join(sorted({name.rsplit('.', 1)[-1] for name in wrapped})),
        trainable,
        total,
    )
    return peft_model
