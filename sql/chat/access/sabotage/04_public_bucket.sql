-- the chat bucket made public
-- caught by: bucket.settings
update storage.buckets set public = true where id = {bucket};
