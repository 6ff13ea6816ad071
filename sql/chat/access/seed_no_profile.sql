-- a user without an app role: no profile (an application's sign-up trigger may have made one)
delete from {schema}.profiles where id = %(id)s
