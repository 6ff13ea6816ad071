-- The settings the Storage API puts in every request transaction (its scope statement), in its
-- order: the role from the JWT, the claims both ways, the raw token, the request, the operation,
-- and the permission to delete (the API deletes through RLS, the delete protection lets it).
select set_config('role', %(role)s, true),
       set_config('request.jwt.claim.role', %(role)s, true),
       set_config('request.jwt', %(jwt)s, true),
       set_config('request.jwt.claim.sub', %(sub)s, true),
       set_config('request.jwt.claims', %(claims)s, true),
       set_config('request.headers', %(headers)s, true),
       set_config('request.method', %(method)s, true),
       set_config('request.path', %(path)s, true),
       set_config('storage.operation', %(operation)s, true),
       set_config('storage.allow_delete_query', 'true', true)
