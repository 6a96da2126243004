"""Large uploads spooled to disk under a name of our own.

Django names the temp file of an upload past FILE_UPLOAD_MAX_MEMORY_SIZE with the uploader's extension,
before any view runs: a 250-character extension is `OSError: File name too long`, a 500. The console never
trusts the uploader's name anyway (inputs are stored under the extension their bytes were recognised as).
"""

import tempfile

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class _SpooledUpload(TemporaryUploadedFile):
    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR)
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class SpoolWithoutClientName(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        super(TemporaryFileUploadHandler, self).new_file(*args, **kwargs)
        self.file = _SpooledUpload(self.file_name, self.content_type, 0, self.charset, self.content_type_extra)
