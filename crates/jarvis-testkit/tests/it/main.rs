//! Integration tests: the fake pearld's wire behaviour, the pearld client against it, TestEnv.

mod fake_gateway;
mod fake_http;
mod fake_wire;
mod pearld_client;
mod test_env;
