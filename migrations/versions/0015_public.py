"""public: open-data settings, material profiles, network labs and their last good documents

Revision ID: 0015_public
Revises: 0007_lifecycle
Create Date: 2026-11-30 14:53:26

"""

import sqlalchemy as sa
from alembic import op

revision = '0015_public'
down_revision = '0014_scale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('network_labs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_url', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'ok', 'error')", name=op.f('ck_network_labs_state_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_labs')),
    sa.UniqueConstraint('catalogue_url', name=op.f('uq_network_labs_catalogue_url'))
    )
    op.create_table('open_data_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publish_lab', sa.Boolean(), nullable=False),
    sa.Column('publish_activity', sa.Boolean(), nullable=False),
    sa.Column('publish_events', sa.Boolean(), nullable=False),
    sa.Column('suppression_threshold', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('latitude IS NULL OR (latitude >= -90 AND latitude <= 90)', name=op.f('ck_open_data_settings_lat')),
    sa.CheckConstraint('longitude IS NULL OR (longitude >= -180 AND longitude <= 180)', name=op.f('ck_open_data_settings_lon')),
    sa.CheckConstraint('suppression_threshold >= 1', name=op.f('ck_open_data_settings_threshold_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_data_settings'))
    )
    op.create_table('network_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('etag', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("dataset IN ('lab', 'activity', 'events')", name=op.f('ck_network_documents_dataset_known')),
    sa.ForeignKeyConstraint(['lab_id'], ['network_labs.id'], name=op.f('fk_network_documents_lab_id_network_labs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_documents')),
    sa.UniqueConstraint('lab_id', 'dataset', name='uq_network_documents_lab_dataset')
    )
    op.create_table('material_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('machine_id', sa.Integer(), nullable=False),
    sa.Column('material', sa.String(length=60), nullable=False),
    sa.Column('recycled', sa.Boolean(), nullable=False),
    sa.Column('bio_sourced', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['machine_id'], ['machines.id'], name=op.f('fk_material_profiles_machine_id_machines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_profiles')),
    sa.UniqueConstraint('machine_id', name=op.f('uq_material_profiles_machine_id'))
    )


def downgrade():
    op.drop_table('material_profiles')
    op.drop_table('network_documents')
    op.drop_table('open_data_settings')
    op.drop_table('network_labs')
