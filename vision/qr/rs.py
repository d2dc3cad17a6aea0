"""Reed-Solomon decoding over GF(256) as QR codes use it, with erasures.

QR codes use the field with primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator 2, and
generator-polynomial roots 2^0 .. 2^(ec - 1). A block of ``n`` codewords with ``ec`` error-correction
codewords corrects ``e`` errors at unknown places and ``f`` erasures (places known to be doubtful) as long
as ``2e + f <= ec``: twice as many wrong codewords when the reader can say which ones it is unsure of.

Berlekamp-Massey on the Forney syndromes finds the error locator, Chien search its roots, Forney's formula
the values. Polynomials are lists of coefficients, highest degree first; codeword ``k`` of a block is the
coefficient of ``x^(n - 1 - k)``.
"""

from __future__ import annotations

_PRIMITIVE = 0x11D
EXP = [0] * 512
LOG = [0] * 256
_value = 1
for _power in range(255):
    EXP[_power] = _value
    LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= _PRIMITIVE
for _power in range(255, 512):
    EXP[_power] = EXP[_power - 255]


def multiply(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else EXP[LOG[a] + LOG[b]]


def divide(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(256)")
    return 0 if a == 0 else EXP[(LOG[a] - LOG[b]) % 255]


def power(base: int, exponent: int) -> int:
    return EXP[(LOG[base] * exponent) % 255]


def inverse(a: int) -> int:
    return EXP[255 - LOG[a]]


def poly_scale(poly: list[int], factor: int) -> list[int]:
    return [multiply(c, factor) for c in poly]


def poly_add(p: list[int], q: list[int]) -> list[int]:
    size = max(len(p), len(q))
    out = [0] * size
    for i, c in enumerate(p):
        out[i + size - len(p)] = c
    for i, c in enumerate(q):
        out[i + size - len(q)] ^= c
    return out


def poly_mul(p: list[int], q: list[int]) -> list[int]:
    out = [0] * (len(p) + len(q) - 1)
    for j, b in enumerate(q):
        for i, a in enumerate(p):
            out[i + j] ^= multiply(a, b)
    return out


def poly_eval(poly: list[int], x: int) -> int:
    y = poly[0]
    for c in poly[1:]:
        y = multiply(y, x) ^ c
    return y


def generator(ec: int) -> list[int]:
    g = [1]
    for i in range(ec):
        g = poly_mul(g, [1, EXP[i]])
    return g


def encode(data: list[int], ec: int) -> list[int]:
    """``data`` followed by its ``ec`` error-correction codewords (systematic encoding)."""
    g = generator(ec)
    remainder = list(data) + [0] * ec
    for i in range(len(data)):
        coefficient = remainder[i]
        if coefficient:
            for j in range(1, len(g)):
                remainder[i + j] ^= multiply(g[j], coefficient)
    return list(data) + remainder[len(data) :]


def syndromes(block: list[int], ec: int) -> list[int]:
    return [poly_eval(block, EXP[i]) for i in range(ec)]


def _locator(positions: list[int], n: int) -> list[int]:
    """Product of (1 - X x) over the locators X = 2^(n - 1 - position); lowest degree first."""
    loc = [1]
    for position in positions:
        x = EXP[n - 1 - position]
        # loc * (1 + x * z), coefficient lists lowest degree first
        loc = [loc[i] ^ (multiply(x, loc[i - 1]) if i else 0) for i in range(len(loc))] + [multiply(x, loc[-1])]
    return loc


def decode(block: list[int], ec: int, erasures: list[int] | tuple[int, ...] = (), spare: int = 0) -> list[int] | None:
    """The corrected block, or None when it cannot be corrected (too many errors for the erasures given).

    ``spare`` EC codewords are kept unused (``2e + f <= ec - spare``): each makes accepting a wrong correction
    ~256 times less likely, which matters when many erasure sets are tried on one block.
    """
    n = len(block)
    synd = syndromes(block, ec)
    if not any(synd):
        return list(block)
    erasures = sorted(set(erasures))
    if len(erasures) > ec - spare:
        return None
    # Polynomials below are lowest degree first: S(z) = sum S_i z^i.
    erasure_locator = _locator(erasures, n)
    # Forney syndromes: S(z) * Gamma(z) mod z^ec, keeping the terms above the erasure count.
    product = [0] * (ec + len(erasure_locator))
    for i, s in enumerate(synd):
        for j, g in enumerate(erasure_locator):
            product[i + j] ^= multiply(s, g)
    forney = product[len(erasures) : ec]
    # Berlekamp-Massey on the Forney syndromes.
    locator, previous = [1], [1]
    length, shift, last_discrepancy = 0, 1, 1
    for r, _ in enumerate(forney):
        discrepancy = forney[r]
        for i in range(1, length + 1):
            if i < len(locator):
                discrepancy ^= multiply(locator[i], forney[r - i])
        if discrepancy == 0:
            shift += 1
            continue
        scale = divide(discrepancy, last_discrepancy)
        update = [0] * shift + [multiply(scale, c) for c in previous]
        size = max(len(locator), len(update))
        new = [(locator[i] if i < len(locator) else 0) ^ (update[i] if i < len(update) else 0) for i in range(size)]
        if 2 * length <= r:
            previous, length, last_discrepancy, shift = locator, r + 1 - length, discrepancy, 1
        else:
            shift += 1
        locator = new
    while len(locator) > 1 and locator[-1] == 0:
        locator.pop()
    errors = len(locator) - 1
    if 2 * errors + len(erasures) > ec - spare:
        return None
    # Combined errata locator and its roots (Chien search over the block's positions).
    errata = [0] * (len(locator) + len(erasure_locator) - 1)
    for i, a in enumerate(locator):
        for j, b in enumerate(erasure_locator):
            errata[i + j] ^= multiply(a, b)
    positions = []
    for position in range(n):
        x_inverse = EXP[(255 - (n - 1 - position)) % 255]
        value = 0
        for c in reversed(errata):
            value = multiply(value, x_inverse) ^ c
        if value == 0:
            positions.append(position)
    if len(positions) != len(errata) - 1:
        return None
    # Error evaluator Omega(z) = S(z) * Psi(z) mod z^ec; Forney: e = X * Omega(X^-1) / Psi'(X^-1) (roots from 2^0).
    omega = [0] * ec
    for i, s in enumerate(synd):
        for j, c in enumerate(errata):
            if i + j < ec:
                omega[i + j] ^= multiply(s, c)
    derivative = [errata[i] if i % 2 == 1 else 0 for i in range(1, len(errata))]
    corrected = list(block)
    for position in positions:
        x = EXP[n - 1 - position]
        x_inverse = inverse(x)
        numerator = 0
        for c in reversed(omega):
            numerator = multiply(numerator, x_inverse) ^ c
        denominator = 0
        for c in reversed(derivative):
            denominator = multiply(denominator, x_inverse) ^ c
        if denominator == 0:
            return None
        corrected[position] ^= multiply(x, divide(numerator, denominator))
    if any(syndromes(corrected, ec)):
        return None
    return corrected
