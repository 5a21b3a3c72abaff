"""Static files as production serves them."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleAwareStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's hashed and compressed files, with ES module imports rewritten as well.

    The live client is ES modules (static/js/live/) importing each other by relative path. Django
    rewrites `import … from "./poller.js"` to the hashed name only with this flag, which it
    leaves off by default. Without it, a hashed main.js would import the unhashed poller.js,
    which whitenoise serves with a short cache life instead of "immutable": after a deploy, a
    browser or a CDN could pair the new main.js with a cached old poller.js.
    """

    support_js_module_import_aggregation = True
