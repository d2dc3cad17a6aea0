"""Blind deconvolution of small, blurred QR crops: a small bank of blur kernels, Wiener-filtered.

Below ~2 px per module, defocus and hand shake merge neighbouring modules; an unsharp mask (``vision.qr.variants``)
restores only part of the contrast. Here the blur is modelled as a defocus disk convolved with a motion
line and inverted by a Wiener filter in the frequency domain. The kernel is unknown, so a few are tried:

* disk radii in photo pixels (the blur belongs to the camera, not the code, so it does not scale with the
  module size);
* motion lengths along one direction only, estimated from the crop: hand shake removes gradient energy along
  the motion, while a code's own square modules give a nearly isotropic gradient structure tensor, so the
  tensor's weak eigenvector points along the shake. This replaces a search over angles (12x the work).

Kernels are drawn in the upscaled crop's pixels (photo pixels times ``scale``), so the deconvolved crop is
directly at a resolution zxing's finder search handles. Pure numpy/OpenCV.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

# Defocus radii and motion lengths (photo pixels) that Telegram-sized phone photos show; wider blur leaves
# nothing to restore at < 2 px per module, narrower is what the unsharp variants already undo.
DEFOCUS_RADII_PX = (0.6, 1.0, 1.4)
MOTION_LENGTHS_PX = (0.0, 1.5, 2.5)
# Noise-to-signal ratios: JPEG 60-85 noise on a crop normalised to [0, 1]; higher is smoother.
WIENER_NSR = (0.01, 0.03)
# Below this ratio of the tensor's eigenvalues the gradients are directional enough to suspect motion blur.
MOTION_ANISOTROPY = 0.95


@dataclass(frozen=True)
class BlurKernel:
    defocus_px: float
    motion_px: float
    motion_deg: float

    @property
    def label(self) -> str:
        motion = f"-m{self.motion_px:.1f}@{self.motion_deg:.0f}" if self.motion_px else ""
        return f"d{self.defocus_px:.1f}{motion}"


def disk_psf(radius: float) -> np.ndarray:
    """A normalised defocus disk; sub-pixel radii are anti-aliased by drawing at 4x and averaging down."""
    oversample = 4
    half = int(np.ceil(radius)) + 1
    size = (2 * half + 1) * oversample
    coords = (np.arange(size) + 0.5) / oversample - (half + 0.5)
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    fine = (xx**2 + yy**2 <= radius**2).astype(np.float32)
    kernel = cv2.resize(fine, (2 * half + 1, 2 * half + 1), interpolation=cv2.INTER_AREA)
    if kernel.sum() <= 0:
        kernel[half, half] = 1.0
    return kernel / kernel.sum()


def motion_psf(length: float, angle_deg: float) -> np.ndarray:
    """A normalised line of ``length`` pixels at ``angle_deg`` (counter-clockwise from the x axis, image y down)."""
    half = int(np.ceil(length / 2)) + 1
    size = 2 * half + 1
    kernel = np.zeros((size, size), np.float32)
    steps = max(2, int(np.ceil(length * 4)))
    theta = np.radians(angle_deg)
    for t in np.linspace(-length / 2, length / 2, steps):
        x, y = half + t * np.cos(theta), half - t * np.sin(theta)
        x0, y0 = int(np.floor(x)), int(np.floor(y))
        fx, fy = x - x0, y - y0
        # Bilinear splat keeps short, slanted lines smooth.
        kernel[y0, x0] += (1 - fx) * (1 - fy)
        kernel[y0, x0 + 1] += fx * (1 - fy)
        kernel[y0 + 1, x0] += (1 - fx) * fy
        kernel[y0 + 1, x0 + 1] += fx * fy
    return kernel / kernel.sum()


def kernel_image(kernel: BlurKernel, scale: float) -> np.ndarray:
    """The point-spread function of ``kernel`` in pixels of a crop upscaled by ``scale``."""
    psf = disk_psf(kernel.defocus_px * scale) if kernel.defocus_px > 0 else np.ones((1, 1), np.float32)
    if kernel.motion_px > 0:
        line = motion_psf(kernel.motion_px * scale, kernel.motion_deg)
        pad = line.shape[0] // 2
        psf = cv2.filter2D(
            cv2.copyMakeBorder(psf, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0),
            -1,
            line[::-1, ::-1],
            borderType=cv2.BORDER_CONSTANT,
        )
    return psf / psf.sum()


class WienerFilter:
    """Wiener deconvolution of one uint8 image by many kernels: the image's spectrum is computed once.

    Borders are mirrored so they do not ring; ``max_kernel`` bounds the kernels' side (their spread).
    """

    def __init__(self, grey: np.ndarray, max_kernel: int) -> None:
        self.shape = grey.shape
        self.pad = max_kernel
        image = cv2.copyMakeBorder(grey.astype(np.float32) / 255.0, *(self.pad,) * 4, cv2.BORDER_REFLECT)
        height, width = cv2.getOptimalDFTSize(image.shape[0]), cv2.getOptimalDFTSize(image.shape[1])
        image = cv2.copyMakeBorder(image, 0, height - image.shape[0], 0, width - image.shape[1], cv2.BORDER_REFLECT)
        self.spectrum = cv2.dft(image, flags=cv2.DFT_COMPLEX_OUTPUT)

    def kernel_spectrum(self, psf: np.ndarray) -> np.ndarray:
        # The kernel's centre goes to the origin so the result is not shifted.
        spread = np.zeros(self.spectrum.shape[:2], np.float32)
        kh, kw = psf.shape
        spread[:kh, :kw] = psf
        spread = np.roll(spread, (-(kh // 2), -(kw // 2)), axis=(0, 1))
        return cv2.dft(spread, flags=cv2.DFT_COMPLEX_OUTPUT)

    def restore(self, kernel_f: np.ndarray, nsr: float) -> np.ndarray:
        # image * conj(kernel) / (|kernel|^2 + nsr): the filter is conj(kernel) scaled per frequency.
        gain = 1.0 / (kernel_f[..., 0] ** 2 + kernel_f[..., 1] ** 2 + nsr)
        filter_f = kernel_f * gain[..., None]
        product = cv2.mulSpectrums(self.spectrum, filter_f, 0, conjB=True)
        restored = cv2.idft(product, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
        restored = restored[self.pad : self.pad + self.shape[0], self.pad : self.pad + self.shape[1]]
        return np.clip(restored * 255.0, 0, 255).astype(np.uint8)


def wiener(grey: np.ndarray, psf: np.ndarray, nsr: float) -> np.ndarray:
    """Wiener deconvolution of a uint8 image by ``psf`` with noise-to-signal ratio ``nsr``."""
    restorer = WienerFilter(grey, max(psf.shape))
    return restorer.restore(restorer.kernel_spectrum(psf), nsr)


def motion_direction(grey: np.ndarray) -> tuple[float, float]:
    """Likely hand-shake direction (degrees, counter-clockwise from x, image y down) and eigenvalue ratio.

    The ratio (weak / strong eigenvalue of the gradient structure tensor) is ~1 for an unblurred or
    defocused code and falls as motion blur grows.
    """
    image = grey.astype(np.float32)
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1)
    jxx, jyy, jxy = float((gx * gx).mean()), float((gy * gy).mean()), float((gx * gy).mean())
    half_trace = (jxx + jyy) / 2
    spread = float(np.sqrt(max(half_trace**2 - (jxx * jyy - jxy * jxy), 0.0)))
    strong, weak = half_trace + spread, half_trace - spread
    # The strong eigenvector is across the blur; the motion runs perpendicular to it. Image y points down,
    # so the angle's sign flips to read counter-clockwise on screen.
    across = 0.5 * np.degrees(np.arctan2(2 * jxy, jxx - jyy))
    return float((-(across + 90.0)) % 180.0), weak / max(strong, 1e-9)


def blur_kernels(grey: np.ndarray) -> list[BlurKernel]:
    """The kernel bank for one crop, most common blur first (defocus alone, then defocus with shake)."""
    angle, ratio = motion_direction(grey)
    lengths = MOTION_LENGTHS_PX if ratio < MOTION_ANISOTROPY else MOTION_LENGTHS_PX[:1]
    return [BlurKernel(radius, length, angle) for length in lengths for radius in DEFOCUS_RADII_PX]


def deblurred_variants(crop: np.ndarray, scale: float) -> Iterator[tuple[str, np.ndarray]]:
    """Wiener-deconvolved copies of ``crop`` (photo pixels) upscaled by ``scale``, lazily."""
    upscaled = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    kernels = blur_kernels(crop)
    psfs = [kernel_image(kernel, scale) for kernel in kernels]
    restorer = WienerFilter(upscaled, max(psf.shape[0] for psf in psfs))
    for kernel, psf in zip(kernels, psfs, strict=True):
        kernel_f = restorer.kernel_spectrum(psf)
        for nsr in WIENER_NSR:
            yield f"wiener-{kernel.label}-n{nsr:g}", restorer.restore(kernel_f, nsr)
