import os
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from app import main
