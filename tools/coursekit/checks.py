"""Self-checks for the LeNet lesson: each says what is right, or what is wrong, and never
gives the answer away. Each prints its verdict (a tick or a cross, then why) and returns
nothing, so that a notebook cell shows the verdict alone.

They test behaviour on small inputs of their own, so they work on any correct solution,
not only the instructor's. Whatever a student's code does, short of stopping the kernel,
comes back as a verdict, never as a traceback from inside a check.

Under ``handout build``, which sets ``HANDOUT_VERIFY=1`` in the kernel's environment, a
check that fails also raises :class:`CheckFailed`, so a wrong instructor solution fails the
build instead of shipping a cross in the verified solution.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable

import numpy as np

PASS, FAIL = "\u2714", "\u2718"

#: Set to ``1`` by ``handout build`` in the kernels that verify solutions.
VERIFY_VARIABLE = "HANDOUT_VERIFY"

Verdict = tuple[bool, str]


class CheckFailed(AssertionError):
    """A self-check failed while a solution was being verified."""


def _report(judge: Callable[..., Verdict], *answer) -> None:
    """Print ``judge``'s verdict on a student's ``answer``; raise it too, when verifying.

    The verdict is reached first, and only then reported: a ``CheckFailed`` never passes
    through the judge's own handling of the student's errors.
    """
    try:
        ok, message = judge(*answer)
    except Exception as error:  # student code the judge did not expect to call
        ok, message = False, f"the check could not run on your answer: {_error(error)}"
    print(f"{PASS if ok else FAIL} {message}")
    if not ok and os.environ.get(VERIFY_VARIABLE) == "1":
        raise CheckFailed(message)


def _error(error: Exception) -> str:
    try:
        text = str(error)
    except Exception:  # a student's exception class may fail even to describe itself
        text = ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _kind(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def check_accuracy(accuracy) -> None:
    """Check an ``accuracy(predictions, truth)`` function on a few known cases."""
    _report(_judge_accuracy, accuracy)


def _judge_accuracy(accuracy) -> Verdict:
    import mygrad as mg

    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    three_classes = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
    cases = [
        (scores, np.array([1, 0, 1, 0]), 1.0, "all four predictions right"),
        (scores, np.array([1, 0, 0, 0]), 0.75, "three of four right"),
        (scores, np.array([0, 1, 0, 1]), 0.0, "none right"),
        (mg.Tensor(scores), np.array([1, 1, 1, 1]), 0.5, "scores given as a mygrad Tensor"),
        (three_classes, np.array([1, 0, 2]), 1.0, "three classes, all right"),
        (three_classes, np.array([1, 2, 0]), 1 / 3, "three classes, one right"),
    ]
    for predictions, truth, expected, what in cases:
        try:
            got = accuracy(predictions, truth)
        except Exception as error:  # a student's code may raise anything
            return False, f"accuracy raised {_error(error)} ({what})"
        if got is None:
            return False, "accuracy returned None: did you forget to return the result?"
        if isinstance(got, mg.Tensor):  # as mg.mean gives: a number all the same
            got = got.data
        if isinstance(got, (str, bytes, np.str_, np.bytes_)):
            return False, f"accuracy should return a number, got a {_kind(got)}"
        try:
            shape = np.shape(got)
            number = float(got) if shape == () else None
        except Exception:  # TypeError, ValueError, OverflowError, or the object's own
            return False, f"accuracy should return a number, got a {_kind(got)}"
        if number is None:
            return False, f"accuracy should return one number, got shape {shape}"
        if not np.isclose(number, expected):
            return False, f"accuracy gave {number:.2f} where {expected:.2f} is right ({what})"
    return True, "accuracy is right on every case"


def check_model(model, num_classes: int = 10) -> None:
    """Check that a model maps a batch of (1, 32, 32) images to one score per class."""
    _report(_judge_model, model, num_classes)


def _judge_model(model, num_classes: int) -> Verdict:
    import mygrad as mg

    for batch in (1, 3):
        images = np.zeros((batch, 1, 32, 32), dtype=np.float32)
        try:
            with mg.no_autodiff:
                scores = model(images)
        except Exception as error:
            return False, f"the forward pass raised {_error(error)}"
        if scores is None:
            return False, "the forward pass returned None: return the dense layer's output"
        if not isinstance(scores, mg.Tensor):
            return False, (
                f"the forward pass returned a {_kind(scores)}, not a mygrad Tensor: gradients "
                "cannot flow back through it to the layers"
            )
        if scores.shape != (batch, num_classes):
            return False, (
                f"a batch of {batch} image(s) gave scores of shape {scores.shape}; "
                f"expected ({batch}, {num_classes}): one score per class for each image"
            )
    return True, f"the model gives one score per class ({num_classes}) for each image"


def check_parameters(model, expected: int = 10_760) -> None:
    """Check that ``model.parameters`` lists every weight and bias of the four layers.

    The default count is that of the lesson's LeNet (f1=20, f2=10, d1=20, ten classes).
    """
    _report(_judge_parameters, model, expected)


def _judge_parameters(model, expected: int) -> Verdict:
    import mygrad as mg

    try:
        parameters = model.parameters
        if callable(parameters):
            return False, "model.parameters is a method: keep the @property line above its def"
        if parameters is None:
            return False, "model.parameters returned None: return a list of the tensors"
        parameters = list(parameters)
    except Exception as error:  # an unfinished __init__ raises AttributeError, say
        return False, f"model.parameters raised {_error(error)}"
    strays = [p for p in parameters if not isinstance(p, mg.Tensor)]
    if strays:
        return False, (
            f"model.parameters lists a {_kind(strays[0])}; list the layers' weights and "
            "biases themselves, the mygrad Tensors the optimizer will update"
        )
    if len({id(p) for p in parameters}) != len(parameters):
        return False, "model.parameters lists a tensor twice"
    if len(parameters) != 8:
        return False, (
            f"model.parameters lists {len(parameters)} tensors; four layers with a weight "
            "and a bias each have 8"
        )
    count = sum(p.size for p in parameters)
    if count != expected:
        return False, (
            f"the parameters hold {count:,} values, not what this LeNet needs; check each "
            "layer's input and output sizes (the first dense layer's input especially)"
        )
    return True, f"model.parameters lists all 8 weights and biases ({count:,} values)"


def check_training_step(model, optimizer, images, labels) -> None:
    """Check that one optimizer step on a batch lowers the loss on that batch.

    Works on copies: the model and optimizer passed in are not changed.
    """
    _report(_judge_training_step, model, optimizer, images, labels)


def _judge_training_step(model, optimizer, images, labels) -> Verdict:
    import mygrad as mg
    from mygrad.nnet.losses import softmax_crossentropy

    try:
        images = np.asarray(images)
        if images.size == 0:
            return False, "the batch of images is empty"
        largest = float(np.max(images))
    except Exception as error:
        return False, f"the images are not an array of numbers ({_error(error)})"
    try:
        model, optimizer = copy.deepcopy((model, optimizer))
    except Exception as error:
        return False, (
            f"the model and optimizer could not be copied to try a step on them without "
            f"changing yours ({_error(error)}); keep them to layers, tensors and numbers"
        )
    try:
        loss = softmax_crossentropy(model(images), labels)
        loss.backward()
        optimizer.step()
        with mg.no_autodiff:
            after = softmax_crossentropy(model(images), labels)
        before, after = float(loss.item()), float(np.asarray(after).item())
    except Exception as error:
        return False, f"one training step raised {_error(error)}"
    if not after < before:
        scale = (  # beyond any scaling of the pixels, standardising included
            f" The images hold values up to {largest:.0f}: were they scaled to [0, 1]?"
            if largest > 10
            else ""
        )
        return False, (
            f"one step did not lower the loss ({before:.4f} -> {after:.4f}); does the "
            f"optimizer hold the model's parameters, and does the loss reach them?{scale}"
        )
    return True, f"one training step lowers the loss ({before:.4f} -> {after:.4f})"
