-- Adds to one user's cart take turns on the user's row here (issue 13): the line limit (100) and a
-- line's quantity are checked against the cart as it is, not as a snapshot taken before a
-- concurrent add (a gRPC add and a queued AddToCart at once) committed. One row per user who
-- ever added to a cart; a lock on it never touches another user's rows or gaps.
CREATE TABLE cart_owners (
    user_id CHAR(36) NOT NULL PRIMARY KEY
);
