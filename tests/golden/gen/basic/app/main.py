import requests
from lib import helpers
from . import settings
