"""storage.

The gift tables live in a module of their own (``gift_models``) beside ``models``;
importing it here registers them on the one metadata whichever module is loaded first.
"""

from livecommerce.storage import gift_models as gift_models
