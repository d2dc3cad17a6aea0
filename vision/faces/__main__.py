"""``python -m vision.faces``: build (or verify) the ONNX face embedder in the model cache and print its path."""

import sys

from vision.faces.onnx_build import main

sys.exit(main())
