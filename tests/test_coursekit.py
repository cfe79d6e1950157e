"""The lesson's self-checks pass on right answers and say what is wrong on wrong ones,
without giving the answer away; and the plotting set-up is quiet where it cannot be live."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from mygrad.nnet.activations import relu
from mygrad.nnet.initializers import glorot_uniform
from mygrad.nnet.layers import max_pool
from mynn.layers.conv import conv
from mynn.layers.dense import dense
from mynn.optimizers.sgd import SGD

from coursekit import checks, plotting


class LeNet:
    """A right answer to the lesson's model exercise, written apart from the lesson."""

    def __init__(self, d1_inputs=250):
        init = {"weight_initializer": glorot_uniform, "weight_kwargs": {"gain": np.sqrt(2)}}
        self.layers = (
            conv(1, 20, 5, 5, **init),
            conv(20, 10, 5, 5, **init),
            dense(d1_inputs, 20, **init),
            dense(20, 10, **init),
        )

    def __call__(self, x):
        conv1, conv2, dense1, dense2 = self.layers
        x = max_pool(relu(conv1(x)), (2, 2), 2)
        x = max_pool(relu(conv2(x)), (2, 2), 2)
        return dense2(relu(dense1(x.reshape(x.shape[0], -1))))

    @property
    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters]


def right_accuracy(predictions, truth):
    return np.mean(np.argmax(predictions, axis=1) == truth)


def tensor_accuracy(predictions, truth):
    """Right too, though it returns a 0-d mygrad Tensor, as noggin accepts."""
    import mygrad as mg

    return mg.mean(np.argmax(predictions, axis=1) == truth)


def test_checks_pass_on_right_answers(capsys):
    np.random.seed(0)
    model = LeNet()
    optimizer = SGD(model.parameters, learning_rate=0.01, momentum=0.9)
    images = np.random.rand(8, 1, 32, 32).astype(np.float32)
    labels = np.arange(8) % 10
    before = [np.copy(p.data) for p in model.parameters]
    checks.check_accuracy(right_accuracy)
    checks.check_accuracy(tensor_accuracy)
    checks.check_model(model)
    checks.check_parameters(model)
    checks.check_training_step(model, optimizer, images, labels)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters, strict=True))
    out = capsys.readouterr().out
    assert out.count(checks.PASS) == 5 and checks.FAIL not in out


class Unconvertible:
    def __float__(self):
        raise ZeroDivisionError


class Indescribable(Exception):
    def __str__(self):
        raise RuntimeError("cannot say")


def raise_(error):
    raise error


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda p, t: None, "returned None"),
        (lambda p, t: np.argmax(p, axis=1) == t, "one number"),
        (lambda p, t: np.mean(np.argmax(p, axis=0)[:2] == t[:2]), "where"),
        (lambda p, t: np.mean(np.asarray(p).argmax(axis=1) != t), "where"),
        (lambda p, t: "high", "should return a number, got a str"),
        (lambda p, t: "1.0", "should return a number, got a str"),
        (lambda p, t: 10**400, "should return a number, got a int"),
        (lambda p, t: Unconvertible(), "should return a number, got a test_coursekit."),
        (lambda p, t: raise_(Indescribable()), "accuracy raised Indescribable ("),
        (lambda p, t: np.mean((np.asarray(p)[:, 1] > np.asarray(p)[:, 0]) == t), "three classes"),
    ],
)
def test_wrong_accuracy_is_named_without_the_answer(wrong, message, capsys):
    checks.check_accuracy(wrong)
    out = capsys.readouterr().out
    assert out.startswith(checks.FAIL) and message in out
    assert "argmax" not in out and "np.mean" not in out


def test_wrong_model_shapes_and_parameter_lists_are_named(capsys):
    class Flat(LeNet):
        def __call__(self, x):
            return super().__call__(x).reshape(-1)

    class Missing(LeNet):
        @property
        def parameters(self):
            return super().parameters[:6]

    checks.check_model(Flat())
    checks.check_parameters(Missing())
    checks.check_parameters(LeNet(d1_inputs=160))
    out = capsys.readouterr().out
    assert out.count(checks.FAIL) == 3 and checks.PASS not in out
    assert (
        "expected (1, 10)" in out and "lists 6 tensors" in out and "input and output sizes" in out
    )
    assert "10,760" not in out


class Unfinished(LeNet):
    """A student's model part-way through: ``__init__`` does not make the layers yet."""

    def __init__(self):
        pass


class NumpyOut(LeNet):
    def __call__(self, x):
        return super().__call__(x).data


class NumpyParameters(LeNet):
    @property
    def parameters(self):
        return [p.data for p in super().parameters]


class MethodParameters(LeNet):
    def parameters(self):
        return super().parameters


@pytest.mark.parametrize(
    ("check", "model", "message"),
    [
        (checks.check_model, NumpyOut(), "returned a numpy.ndarray, not a mygrad Tensor"),
        (checks.check_parameters, NumpyParameters(), "lists a numpy.ndarray"),
        (checks.check_parameters, MethodParameters(), "is a method"),
        (checks.check_parameters, Unfinished(), "raised AttributeError"),
        (checks.check_model, Unfinished(), "raised AttributeError"),
    ],
)
def test_models_that_cannot_train_are_named_not_raised(check, model, message, capsys):
    check(model)
    out = capsys.readouterr().out
    assert out.startswith(checks.FAIL) and message in out


def test_training_step_on_unscaled_images_points_at_the_scaling(capsys):
    np.random.seed(0)
    model = LeNet()
    optimizer = SGD(model.parameters, learning_rate=0.01, momentum=0.9)
    images = np.random.randint(0, 256, size=(16, 1, 32, 32)).astype(np.float32)
    checks.check_training_step(model, optimizer, images, np.arange(16) % 10)
    out = capsys.readouterr().out
    assert out.startswith(checks.FAIL) and "were they scaled to [0, 1]?" in out


def test_a_failed_check_raises_while_a_solution_is_verified(monkeypatch, capsys):
    monkeypatch.setenv(checks.VERIFY_VARIABLE, "1")
    checks.check_accuracy(right_accuracy)  # a right answer still passes quietly
    with pytest.raises(checks.CheckFailed, match="returned None"):
        checks.check_accuracy(lambda p, t: None)
    with pytest.raises(checks.CheckFailed, match="^model.parameters is a method"):
        checks.check_parameters(MethodParameters())  # raised once, not caught by the check
    out = capsys.readouterr().out
    assert out.startswith(checks.PASS) and f"{checks.FAIL} accuracy returned None" in out
    assert out.count(checks.FAIL) == 2


@pytest.mark.parametrize("value", ["0", "", "false", "no", "yes"])
def test_only_the_builds_own_setting_makes_checks_raise(monkeypatch, capsys, value):
    monkeypatch.setenv(checks.VERIFY_VARIABLE, value)
    checks.check_accuracy(lambda p, t: None)
    assert capsys.readouterr().out.startswith(checks.FAIL)


def test_training_step_on_odd_batches_gives_a_verdict(capsys):
    model = LeNet()
    optimizer = SGD(model.parameters, learning_rate=0.01)
    checks.check_training_step(model, optimizer, np.zeros((0, 1, 32, 32)), np.arange(0))
    checks.check_training_step(model, optimizer, [["a"]], np.arange(1))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{checks.FAIL} the batch of images is empty"
    assert out[1].startswith(f"{checks.FAIL} the images are not an array of numbers")


def test_training_step_that_changes_nothing_is_caught(capsys):
    model = LeNet()
    optimizer = SGD(LeNet().parameters, learning_rate=0.01)  # another model's parameters
    images, labels = np.random.rand(4, 1, 32, 32).astype(np.float32), np.arange(4)
    checks.check_training_step(model, optimizer, images, labels)
    out = capsys.readouterr().out
    assert out.startswith(checks.FAIL) and "did not lower the loss" in out


def test_still_image_plots_raise_no_live_plotting_warning():
    import matplotlib

    matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plotter, fig, _ = plotting.create_plot(["loss", "accuracy"])
    plotter.set_train_batch({"loss": 1.0, "accuracy": 0.5}, batch_size=1)
    plotter.plot()
    assert fig.axes and not plotting.is_live()
