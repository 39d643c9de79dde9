"""English pages keep the office's date and number conventions (see the vi module)."""
from config.formats.vi.formats import *  # noqa: F401,F403
