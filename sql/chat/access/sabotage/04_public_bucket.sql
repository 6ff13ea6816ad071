-- the chat bucket made public
update storage.buckets set public = true where id = {bucket};
