from lib import helpers
