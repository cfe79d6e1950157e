"""The files of each data set, pinned by the size and SHA-256 of their decompressed content.

Pinning the decompressed content, not the gzip file, lets any mirror recompress the files
(gzip output differs between tools and levels) while an HTML error page or a truncated body
still fails verification.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataFile:
    """One gzip-compressed IDX file of a data set.

    Parameters
    ----------
    name : str
        The file name, the same on every mirror.
    size : int
        Size in bytes of the decompressed content.
    sha256 : str
        Hex SHA-256 of the decompressed content.
    """

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """A data set: its folder name, its files, its class names and the public mirrors."""

    name: str
    train_images: DataFile
    train_labels: DataFile
    test_images: DataFile
    test_labels: DataFile
    public_mirrors: tuple[str, ...]
    class_names: tuple[str, ...] = tuple(str(digit) for digit in range(10))

    @property
    def files(self) -> tuple[DataFile, ...]:
        return (self.train_images, self.train_labels, self.test_images, self.test_labels)


MNIST = Dataset(
    name="mnist",
    train_images=DataFile(
        "train-images-idx3-ubyte.gz",
        47040016,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    train_labels=DataFile(
        "train-labels-idx1-ubyte.gz",
        60008,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    test_images=DataFile(
        "t10k-images-idx3-ubyte.gz",
        7840016,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    test_labels=DataFile(
        "t10k-labels-idx1-ubyte.gz",
        10008,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
    public_mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
)

FASHION_MNIST = Dataset(
    name="fashion-mnist",
    train_images=DataFile(
        "train-images-idx3-ubyte.gz",
        47040016,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    train_labels=DataFile(
        "train-labels-idx1-ubyte.gz",
        60008,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    test_images=DataFile(
        "t10k-images-idx3-ubyte.gz",
        7840016,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    test_labels=DataFile(
        "t10k-labels-idx1-ubyte.gz",
        10008,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
    public_mirrors=(
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
)

#: Every data set the shim knows, by the name the command line and the data folder use.
DATASETS = {dataset.name: dataset for dataset in (MNIST, FASHION_MNIST)}
